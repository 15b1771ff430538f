// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${vars.x}` is runyard.yaml's own syntax, written literally here
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import {
  type CodeLocation,
  Instance,
  LAUNCHER_TAG,
  LAUNCHER_VARS_TAG,
  loadCodeLocation,
  parseInstanceConfig,
  type RunRecord,
} from 'runyard';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithDocker } from '../../docker/test/support/dockerd.js';
import { waitFor, waitForStatus } from '../../docker/test/support/waits.js';
import {
  type KubeTestCluster,
  podAlive,
  REPO,
  startKubeTestCluster,
  testLauncherConfig,
} from './support/k8s-instance.js';

// Two real launchers in one instance: the process launcher (`local`, the instance default) and
// K8sRunLauncher (`k8s`, with a memory variable) against the fake API server, whose node runs
// each pod as a container on a private dockerd. The Docker pair is docker-routing.test.ts.

const JOBS = path.join(REPO, 'packages/k8s/test/fixtures/k8s-jobs.ts');

describeWithDocker('named launchers: process and Kubernetes in one instance', () => {
  let cluster: KubeTestCluster;
  let location: CodeLocation;
  let instance: Instance;
  let base: string;

  beforeAll(async () => {
    cluster = await startKubeTestCluster();
    location = await loadCodeLocation(JOBS);
    // The pods see this directory at the same path (hostPath), so both launchers' workers share
    // the instance's SQLite home.
    base = mkdtempSync('/tmp/ry-k8s-route-');
    const home = path.join(base, 'home');
    mkdirSync(home);
    mkdirSync(path.join(base, 'cache'), { mode: 0o700 });
    chmodSync(base, 0o755);
    const launcherConfig = testLauncherConfig(cluster, base);
    const k8s = {
      class: 'K8sRunLauncher',
      config: {
        ...launcherConfig,
        resources: { requests: { memory: '${vars.memory}' }, limits: { memory: '${vars.memory}' } },
      },
      variables: { memory: { type: 'string', default: '128Mi', allowed: ['128Mi', '256Mi'] } },
    };
    instance = await Instance.open({
      home,
      config: parseInstanceConfig({
        runLaunchers: { default: 'local', launchers: { local: { class: 'ProcessRunLauncher' }, k8s } },
      }),
    });
  });
  afterAll(async () => {
    await instance?.dispose().catch(() => undefined);
    await cluster?.stop();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  const submit = (jobName: string, tags: Record<string, string> = {}) =>
    instance.submitJobRun({ job: location.getJob(jobName), codeLocation: JOBS, source: 'api', tags });

  /** The run's Jobs as the fake API server lists them, through its HTTP API. */
  async function jobsOfRun(runId: string): Promise<any[]> {
    const selector = encodeURIComponent(`runyard.dev/run-id=${runId}`);
    const response = await fetch(`${cluster.kube.url}/apis/batch/v1/namespaces/default/jobs?labelSelector=${selector}`);
    return ((await response.json()) as { items: any[] }).items;
  }

  const memoryOf = (job: any) => job.spec.template.spec.containers[0].resources;

  async function containersOfRun(runId: string): Promise<string[]> {
    const out = await cluster.engine.cli('ps', '-q', '--filter', `label=runyard.dev/run-id=${runId}`);
    return out.split('\n').filter(Boolean);
  }

  function processAlive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  it('sends a run tagged runyard/launcher: k8s to a Kubernetes Job and an untagged one to a local process', async () => {
    const k8s = await submit('hello', { [LAUNCHER_TAG]: 'k8s' });
    const local = await submit('hello');
    expect(k8s.tags[LAUNCHER_TAG]).toBe('k8s');
    expect(local.tags[LAUNCHER_TAG]).toBe('local');
    const [k, l] = await Promise.all(
      [k8s, local].map((r) => waitForStatus(instance, r.runId, ['SUCCESS', 'FAILURE', 'CANCELED'])),
    );
    expect([k?.status, l?.status]).toEqual(['SUCCESS', 'SUCCESS']);
    // The stored runs record the launcher each was launched with.
    expect([k?.tags[LAUNCHER_TAG], l?.tags[LAUNCHER_TAG]]).toEqual(['k8s', 'local']);
    expect(k?.worker?.launcher).toBe('K8sRunLauncher');
    expect(l?.worker?.launcher).toBe('ProcessRunLauncher');
    const jobs = await jobsOfRun(k8s.runId);
    expect(jobs).toHaveLength(1);
    expect(memoryOf(jobs[0])).toEqual({ requests: { memory: '128Mi' }, limits: { memory: '128Mi' } });
    expect(await jobsOfRun(local.runId)).toEqual([]);
  });

  it("applies a run's allowed memory to its Job, and refuses one outside `allowed` with nothing written", async () => {
    const chosen = await submit('hello', { [LAUNCHER_TAG]: 'k8s', [LAUNCHER_VARS_TAG]: '{"memory":"256Mi"}' });
    const done = await waitForStatus(instance, chosen.runId, ['SUCCESS', 'FAILURE', 'CANCELED']);
    expect(done.status).toBe('SUCCESS');
    const [job] = await jobsOfRun(chosen.runId);
    expect(memoryOf(job)).toEqual({ requests: { memory: '256Mi' }, limits: { memory: '256Mi' } });

    const runsBefore = await instance.storage.runs.countRuns({});
    const jobsBefore = cluster.kube.store.list('jobs', 'default').length;
    await expect(
      submit('hello', { [LAUNCHER_TAG]: 'k8s', [LAUNCHER_VARS_TAG]: '{"memory":"16Gi"}' }),
    ).rejects.toMatchObject({
      name: 'InvalidConfigError',
      message: expect.stringMatching(/launcher_vars\.memory: "16Gi" is not allowed/),
    });
    expect(await instance.storage.runs.countRuns({})).toBe(runsBefore);
    expect(cluster.kube.store.list('jobs', 'default')).toHaveLength(jobsBefore);
  });

  it('terminates a Kubernetes run and a local run at once: both CANCELED, nothing left running', async () => {
    const k8s = await submit('sleeper', { [LAUNCHER_TAG]: 'k8s' });
    const local = await submit('sleeper');
    const [k, l] = await Promise.all([k8s, local].map((r) => waitForStatus(instance, r.runId, ['STARTED'])));
    const events = await instance.storage.events.getEvents((l as RunRecord).runId, { types: ['RUN_START'] });
    const pid = events[0]?.data?.pid as number;
    expect(processAlive(pid)).toBe(true);
    expect(await containersOfRun(k8s.runId)).not.toEqual([]);

    const results = await Promise.all([k8s, local].map((r) => instance.terminateRun(r.runId, { graceMs: 5_000 })));
    expect(results.map((r) => r.run.status)).toEqual(['CANCELED', 'CANCELED']);
    // The kubelet removes the pod's container after the Job's deletion; poll until it has.
    await waitFor(
      'no pod, container or process left for the terminated runs',
      async () =>
        !podAlive(cluster.kube, k as RunRecord) && (await containersOfRun(k8s.runId)).length === 0 && !processAlive(pid)
          ? true
          : undefined,
      async () => `pods ${JSON.stringify(cluster.kube.podsOfRun(k8s.runId).map((p) => p.status?.phase))}`,
    );
  });
});
