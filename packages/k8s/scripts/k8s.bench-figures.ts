/**
 * The figures for issue 12, printed as a table (run by k8s-bench.sh, not by CI). Each launch
 * figure is the median of interleaved rounds, so both launchers see the same machine load.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Instance, loadCodeLocation, type RunRecord } from 'runyard';
import { expect, it } from 'vitest';
import { openDockerInstance } from '../../docker/test/support/docker-instance.js';
import { K8S_LABELS, type K8sRunLauncher } from '../src/index.js';
import { openK8sInstance, REPO, startKubeTestCluster } from '../test/support/k8s-instance.js';

const ROUNDS = Number(process.env.RUNYARD_BENCH_ROUNDS ?? 5);
const ONE_OP = path.join(REPO, 'bench/fixtures/one-op.ts');
const K8S_JOBS = path.join(REPO, 'packages/k8s/test/fixtures/k8s-jobs.ts');

it('prints the Kubernetes launcher figures', async () => {
  const cluster = await startKubeTestCluster();
  const k8s = await openK8sInstance(cluster, { allowRunOverrides: ['resources'] });
  const docker = await openDockerInstance(cluster.engine);
  const rows: string[][] = [];
  try {
    const oneOp = (await loadCodeLocation(ONE_OP)).getJob('one_op');
    const launch = async (instance: Instance) => {
      const t = performance.now();
      const run = await instance.submitJobRun({ job: oneOp, codeLocation: ONE_OP, source: 'api' });
      for (;;) {
        const now = (await instance.storage.runs.getRun(run.runId)) as RunRecord;
        if (now.status === 'SUCCESS') return performance.now() - t;
        if (now.status === 'FAILURE' || now.status === 'CANCELED')
          throw new Error(`run ${run.runId} ended ${now.status}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await launch(k8s.instance); // the first workers compile the code location into their caches
    await launch(docker.instance);
    const samples = { k8s: [] as number[], docker: [] as number[] };
    for (let i = 0; i < ROUNDS; i++) {
      samples.k8s.push(await launch(k8s.instance));
      samples.docker.push(await launch(docker.instance));
    }
    const k = median(samples.k8s);
    const d = median(samples.docker);
    rows.push([
      'K8sRunLauncher (fake API + dockerd): launch → RUN_SUCCESS, one op',
      `${k.toFixed(0)} ms`,
      `${(k / d).toFixed(2)}× DockerRunLauncher (${d.toFixed(0)} ms); target ≤ 1.5×`,
    ]);

    // OOM: from the fake kubelet writing OOMKilled into the pod status to the health check saying
    // FAILED [oom], polled every 100 ms as a monitoring loop would.
    const hogs = await loadCodeLocation(K8S_JOBS);
    let oomAt: number | undefined;
    cluster.kube.store.onChange((kind, _type, object) => {
      const state = object.status?.containerStatuses?.[0]?.state?.terminated;
      if (kind === 'pods' && state?.reason === 'OOMKilled') oomAt ??= performance.now();
    });
    const run = await k8s.instance.submitJobRun({
      job: hogs.getJob('memory_hog'),
      codeLocation: K8S_JOBS,
      source: 'api',
      tags: { 'runyard/k8s': JSON.stringify({ resources: { limits: { memory: '64Mi' } } }) },
    });
    const managed = await k8s.instance.launcher();
    for (;;) {
      const health = await managed.checkHealth(run);
      if (health.failureClass === 'oom' && oomAt !== undefined) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const diagnosed = performance.now() - (oomAt as number);
    rows.push([
      'K8sRunLauncher: OOM kill → diagnosed FAILED [oom]',
      `${diagnosed.toFixed(0)} ms`,
      'target ≤ 5 s (polled every 100 ms)',
    ]);

    // Requests while N runs are health-checked once a second for 10 s: pods of N runs placed in
    // the fake's store (no containers), checked through the informer.
    const launcher = managed.inner as K8sRunLauncher;
    for (const n of [20, 200]) {
      const runs = fakeRunningRuns(cluster, n);
      // Until the informer's watch has delivered the new pods.
      for (let tries = 0; ; tries++) {
        const answers = await Promise.all(runs.map((r) => managed.checkHealth(r)));
        if (answers.every((a) => a.status === 'RUNNING')) break;
        if (tries > 100)
          throw new Error(`not all RUNNING: ${JSON.stringify(answers.find((a) => a.status !== 'RUNNING'))}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const before = total(cluster.kube.http.requests);
      const informerBefore = launcher.informerRequests;
      for (let second = 0; second < 10; second++) {
        const answers = await Promise.all(runs.map((r) => managed.checkHealth(r)));
        expect(answers.every((a) => a.status === 'RUNNING')).toBe(true);
        await new Promise((r) => setTimeout(r, 1_000));
      }
      const perMinute = ((total(cluster.kube.http.requests) - before) * 60) / 10;
      rows.push([
        `K8sRunLauncher: API requests/min, ${n} runs checked every second`,
        perMinute.toFixed(0),
        `informer requests in the window: ${launcher.informerRequests - informerBefore}; target: constant in the number of runs`,
      ]);
    }
  } finally {
    await docker.dispose();
    await k8s.dispose();
    await cluster.stop();
  }
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  console.log(`\n${rows.map((r) => r.map((c, i) => c.padEnd(widths[i] as number)).join('  ')).join('\n')}\n`);
});

/** N runs whose Jobs are older than the cache-trust window, each with a Running pod in the store. */
function fakeRunningRuns(cluster: Awaited<ReturnType<typeof startKubeTestCluster>>, n: number): RunRecord[] {
  const runs: RunRecord[] = [];
  for (let i = 0; i < n; i++) {
    const runId = `bench-${n}-${i}`;
    const job = `runyard-run-${runId}`;
    cluster.kube.store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${job}-x`,
        namespace: 'default',
        labels: { [K8S_LABELS.marker]: 'run-worker', [K8S_LABELS.runId]: runId, 'job-name': job },
      },
      spec: { containers: [{ name: 'run-worker', image: 'x' }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'run-worker', state: { running: {} } }] },
    });
    runs.push({
      runId,
      status: 'STARTED',
      worker: {
        launcher: 'K8sRunLauncher',
        externalId: job,
        namespace: 'default',
        runId,
        image: 'x',
        attempt: 0,
        launchedAt: 0,
      },
    } as unknown as RunRecord);
  }
  return runs;
}

function total(requests: Map<string, number>): number {
  return [...requests.values()].reduce((a, b) => a + b, 0);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
