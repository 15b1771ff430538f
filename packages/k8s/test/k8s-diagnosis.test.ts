import path from 'node:path';
import {
  type CodeLocation,
  type Instance,
  loadCodeLocation,
  MonitoringDaemon,
  type RunRecord,
  type WorkerHealth,
} from 'runyard';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithDocker } from '../../docker/test/support/dockerd.js';
import { waitFor, waitForStatus } from '../../docker/test/support/waits.js';
import { K8S_RUN_TAG } from '../src/index.js';
import { type KubeTestCluster, openK8sInstance, podAlive, REPO, startKubeTestCluster } from './support/k8s-instance.js';

const JOBS = path.join(REPO, 'packages/k8s/test/fixtures/k8s-jobs.ts');

// Each failure a user meets on Kubernetes, produced for real (Docker's OOM kill, a missing image,
// a node too small, a missing ServiceAccount or Secret, an eviction) and diagnosed from the
// launcher's informer with a failure class, within seconds rather than at a start timeout.
describeWithDocker('K8sRunLauncher diagnosis against the fake cluster', () => {
  let cluster: KubeTestCluster;
  let location: CodeLocation;
  let instance: Instance;
  const disposers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    cluster = await startKubeTestCluster({ node: { memory: 4 * 1024 ** 3, cpu: 2 } });
    location = await loadCodeLocation(JOBS);
    instance = (await open({ allowRunOverrides: ['image', 'resources'] })).instance;
  });
  afterAll(async () => {
    for (const dispose of disposers) await dispose();
    await cluster?.stop();
  });

  async function open(config: Parameters<typeof openK8sInstance>[1] = {}) {
    const setup = await openK8sInstance(cluster, config);
    disposers.push(() => setup.dispose());
    return setup;
  }

  const submit = (on: Instance, jobName: string, overrides?: Record<string, unknown>) =>
    on.submitJobRun({
      job: location.getJob(jobName),
      codeLocation: JOBS,
      source: 'api',
      tags: overrides ? { [K8S_RUN_TAG]: JSON.stringify(overrides) } : {},
    });

  /** Polls the launcher's health until it is FAILED; the timeout is an upper bound, not a measurement. */
  async function failedHealth(on: Instance, run: RunRecord): Promise<WorkerHealth> {
    const launcher = await on.launcher();
    let last: WorkerHealth | undefined;
    return waitFor(
      `run ${run.runId} to be diagnosed`,
      async () => {
        last = await launcher.checkHealth(run);
        return last.status === 'FAILED' ? last : undefined;
      },
      () => JSON.stringify(last),
      30_000,
    );
  }

  it('an OOM kill is FAILED [oom], naming OOMKilled and the limit, not exit 137 alone', async () => {
    const run = await submit(instance, 'memory_hog', { resources: { limits: { memory: '64Mi' } } });
    const health = await failedHealth(instance, run);
    expect(health).toMatchObject({ status: 'FAILED', failureClass: 'oom', retryable: false, exitCode: 137 });
    expect(health.reason).toContain('OOMKilled');
    expect(health.reason).toContain('64Mi');
  });

  it('run monitoring writes the OOM diagnosis into the event log in the first poll after the kill', async () => {
    const run = await submit(instance, 'memory_hog', { resources: { limits: { memory: '64Mi' } } });
    await failedHealth(instance, run);
    const daemon = new MonitoringDaemon(instance);
    const signal = new AbortController().signal;
    await daemon.runIteration({ instance, daemonId: 'test', signal, log: () => {} });
    const failure = (await instance.storage.events.getEvents(run.runId)).find((e) => e.type === 'RUN_FAILURE');
    expect(failure?.message).toMatch(/the worker was OOM-killed \(oom\): pod .* was OOMKilled.*64Mi/);
    expect(failure?.data).toMatchObject({ failureClass: 'oom', retryable: false });
    expect((await instance.storage.runs.getRun(run.runId))?.status).toBe('FAILURE');
  });

  it("run logs serve the pod's output while it runs, and the copy kept before terminate deleted it", async () => {
    const run = await submit(instance, 'chatty');
    const read = async (stream: 'stdout' | 'stderr') =>
      (await (await instance.computeLogs()).read(run.runId, stream)).data;
    // The op's console.log reaches the pod log (the worker forwards its steps' output).
    await waitFor('the op output in the pod log', async () =>
      (await read('stdout')).includes('chatty op: a line on stdout') ? true : undefined,
    );
    expect(await read('stderr')).toContain('chatty op: a line on stderr');
    await instance.terminateRun(run.runId, { graceMs: 1_000 });
    await waitFor('the pod and the Job to be gone', async () =>
      cluster.kube.podsOfRun(run.runId).length === 0 ? true : undefined,
    );
    const kept = (await instance.storage.events.getEvents(run.runId)).find((e) => e.data?.workerEvidence);
    expect(kept?.message).toContain('before the worker was stopped');
    expect((kept?.data?.workerEvidence as { debugInfo?: string }).debugInfo).toMatch(
      /Warning events|no Warning events/,
    );
    expect(await read('stdout')).toContain('chatty op: a line on stdout');
  });

  it('a missing image is FAILED [image] while the pod is still Pending; terminate then removes the pending pod', async () => {
    const run = await submit(instance, 'hello', { image: 'runyard-missing:1' });
    const health = await failedHealth(instance, run);
    expect(health).toMatchObject({ failureClass: 'image', retryable: false });
    expect(health.reason).toMatch(/ErrImagePull|ImagePullBackOff/);
    expect(cluster.kube.podsOfRun(run.runId)[0]?.status.phase).toBe('Pending');
    const pending = await (await instance.launcher()).debugInfo(run);
    expect(pending).toContain('phase Pending');
    expect(pending).toMatch(/container run-worker: waiting \((ErrImagePull|ImagePullBackOff)\)/);
    expect(pending).toMatch(/Warning events:\n.*Failed: Failed to pull image "runyard-missing:1"/);
    const result = await instance.terminateRun(run.runId, { graceMs: 2_000 });
    expect(result).toMatchObject({ changed: true, run: { status: 'CANCELED' } });
    // The pending pod's Warning events were kept before terminate deleted it.
    const kept = (await instance.storage.events.getEvents(run.runId)).find((e) => e.data?.workerEvidence);
    expect((kept?.data?.workerEvidence as { debugInfo?: string }).debugInfo).toMatch(/Failed to pull image/);
    await waitFor('the pod and the Job to be gone', async () =>
      cluster.kube.podsOfRun(run.runId).length === 0 &&
      cluster.kube.store.list('jobs', 'default', `runyard.dev/run-id=${run.runId}`).length === 0
        ? true
        : undefined,
    );
    const debug = await (await instance.launcher()).debugInfo(
      (await instance.storage.runs.getRun(run.runId)) as RunRecord,
    );
    expect(debug).toContain('no pod exists');
  });

  it('requests larger than any node are FAILED [unschedulable] with the scheduler message', async () => {
    const run = await submit(instance, 'hello', { resources: { requests: { memory: '64Gi' } } });
    const health = await failedHealth(instance, run);
    expect(health).toMatchObject({ failureClass: 'unschedulable', retryable: false });
    expect(health.reason).toContain('Insufficient memory');
    await instance.terminateRun(run.runId, { graceMs: 0 });
  });

  it('a missing ServiceAccount is FAILED [infra] from the Job controller FailedCreate event', async () => {
    const { instance: other } = await open({ serviceAccountName: 'missing-sa' });
    const run = await submit(other, 'hello');
    const health = await failedHealth(other, run);
    expect(health).toMatchObject({ failureClass: 'infra', retryable: false });
    expect(health.reason).toContain('FailedCreate');
    expect(health.reason).toContain('serviceaccount "missing-sa" not found');
  });

  it('a missing Secret is CreateContainerConfigError, FAILED once its grace period is over', async () => {
    const { instance: other } = await open({ envSecrets: ['no-such-secret'], configErrorGraceSeconds: 1 });
    const run = await submit(other, 'hello');
    const health = await failedHealth(other, run);
    expect(health).toMatchObject({ failureClass: 'infra', retryable: false });
    expect(health.reason).toContain('CreateContainerConfigError');
    expect(health.reason).toContain('secret "no-such-secret" not found');
  });

  it('an evicted pod is FAILED [preempted] and retryable, and the Job fails by its podFailurePolicy', async () => {
    const run = await submit(instance, 'sleeper');
    await waitFor('the run to start', async () => {
      const latest = await instance.storage.runs.getRun(run.runId);
      return latest?.status === 'STARTED' ? true : undefined;
    });
    const pod = cluster.kube.podsOfRun(run.runId)[0];
    await cluster.kube.evict('default', pod?.metadata.name);
    const health = await failedHealth(instance, run);
    expect(health).toMatchObject({ failureClass: 'preempted', retryable: true });
    expect(health.reason).toMatch(/DisruptionTarget|PodFailurePolicy/);
    // The pod goes after its grace period; then the Job fails by its rule, not by its backoff limit.
    const failed = await waitFor('the Job to fail', async () => {
      const job = cluster.kube.store.list('jobs', 'default', `runyard.dev/run-id=${run.runId}`)[0];
      return job?.status.conditions?.find((c: { type: string }) => c.type === 'Failed');
    });
    expect(failed.reason).toBe('PodFailurePolicy');
    expect(failed.message).toContain('DisruptionTarget');
    // Retryable: a resume starts a new Job, <name>-1, whose worker takes the run over.
    const launcher = await instance.launcher();
    await launcher.resume((await instance.storage.runs.getRun(run.runId)) as RunRecord, 1);
    const resumed = (await instance.storage.runs.getRun(run.runId)) as RunRecord;
    expect(resumed.worker).toMatchObject({ externalId: `runyard-run-${run.runId}-1`, attempt: 1 });
    const job = cluster.kube.store.get('jobs', 'default', `runyard-run-${run.runId}-1`);
    expect(job?.spec.template.spec.containers[0].args).toEqual(['worker', 'execute-run', run.runId, '--resume']);
    expect(job?.metadata.labels['runyard.dev/attempt']).toBe('1');
    await waitFor('the resumed worker to run', async () =>
      (await launcher.checkHealth(resumed)).status === 'RUNNING' ? true : undefined,
    );
    await instance.terminateRun(run.runId, { graceMs: 0 });
  });

  it('terminate deletes the Job in the foreground and every pod of the run, even one created after the first look', async () => {
    const run = await submit(instance, 'sleeper');
    const started = await waitFor('the run to start', async () => {
      const latest = await instance.storage.runs.getRun(run.runId);
      return latest?.status === 'STARTED' ? latest : undefined;
    });
    const debug = await (await instance.launcher()).debugInfo(started);
    expect(debug).toContain('phase Running');
    expect(debug).toContain('container run-worker: running');
    // The log is read from the pod (the sleeping op has written nothing to stdout yet).
    expect(debug).toMatch(/its log is empty|last 30 lines of its log/);
    expect(debug).not.toContain('cannot be read');
    const launcher = (await instance.launcher()).inner;
    const terminating = launcher.terminate({ run: started, graceMs: 5_000 });
    // A pod of the run that appears while terminate is at work (a controller's late retry).
    const pods = cluster.kube.podsOfRun(run.runId);
    const late = {
      ...pods[0],
      metadata: { name: `${pods[0]?.metadata.name}-late`, namespace: 'default', labels: pods[0]?.metadata.labels },
      status: { phase: 'Pending' },
    };
    await new Promise((r) => setTimeout(r, 150));
    cluster.kube.store.create('pods', late);
    const result = await terminating;
    expect(result).toMatchObject({ stopped: true, escalated: false });
    expect(result.detail).toContain('foreground');
    expect(result.detail).toContain(late.metadata.name);
    await waitFor('nothing of the run left', async () =>
      cluster.kube.podsOfRun(run.runId).length === 0 &&
      cluster.kube.store.list('jobs', 'default', `runyard.dev/run-id=${run.runId}`).length === 0
        ? true
        : undefined,
    );
  });

  it('a run override the instance does not allow is refused at submit, and no run is written', async () => {
    const before = (await instance.storage.runs.listRuns({})).length;
    await expect(submit(instance, 'hello', { nodeSelector: { pool: 'gpu' } })).rejects.toThrow(
      /runyard\/k8s\.nodeSelector.*allowRunOverrides: image, resources/,
    );
    expect((await instance.storage.runs.listRuns({})).length).toBe(before);
  });

  it('a finished Job and its pod are deleted after ttlSecondsAfterFinished', async () => {
    const { instance: other } = await open({ ttlSecondsAfterFinished: 1 });
    const run = await submit(other, 'hello');
    expect((await waitForStatus(other, run.runId, ['SUCCESS', 'FAILURE'])).status).toBe('SUCCESS');
    await waitFor('the Job to be deleted by its TTL', async () =>
      cluster.kube.store.list('jobs', 'default', `runyard.dev/run-id=${run.runId}`).length === 0 &&
      !podAlive(cluster.kube, run) &&
      cluster.kube.podsOfRun(run.runId).length === 0
        ? true
        : undefined,
    );
    const health = await (await other.launcher()).checkHealth(
      (await other.storage.runs.getRun(run.runId)) as RunRecord,
    );
    expect(health.status).toBe('NOT_FOUND');
  });
});
