import path from 'node:path';
import { type CodeLocation, type Instance, loadCodeLocation, type RunRecord } from 'runyard';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithDocker } from '../../docker/test/support/dockerd.js';
import { waitFor } from '../../docker/test/support/waits.js';
import type { K8sRunLauncher } from '../src/index.js';
import { type KubeTestCluster, openK8sInstance, REPO, startKubeTestCluster } from './support/k8s-instance.js';

const JOBS = path.join(REPO, 'packages/k8s/test/fixtures/k8s-jobs.ts');

// Health comes from one list + watch per kind, not from a request per run: these tests break the
// watch (a dropped connection, then a compacted history that answers 410 Gone) and count requests.
describeWithDocker('K8sRunLauncher informer against the fake API server', () => {
  let cluster: KubeTestCluster;
  let location: CodeLocation;
  let instance: Instance;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    cluster = await startKubeTestCluster();
    location = await loadCodeLocation(JOBS);
    const setup = await openK8sInstance(cluster);
    instance = setup.instance;
    dispose = () => setup.dispose();
  });
  afterAll(async () => {
    await dispose?.();
    await cluster?.stop();
  });

  const requests = (key: string) => cluster.kube.http.requests.get(key) ?? 0;
  const launcher = async () => (await instance.launcher()).inner as K8sRunLauncher;

  async function startedSleeper(): Promise<RunRecord> {
    const submitted = await instance.submitJobRun({
      job: location.getJob('sleeper'),
      codeLocation: JOBS,
      source: 'api',
    });
    return waitFor(`run ${submitted.runId} to start`, async () => {
      const run = await instance.storage.runs.getRun(submitted.runId);
      return run?.status === 'STARTED' ? run : undefined;
    });
  }

  async function healthIs(run: RunRecord, status: string): Promise<void> {
    const managed = await instance.launcher();
    await waitFor(`run ${run.runId} to be ${status}`, async () =>
      (await managed.checkHealth(run)).status === status ? true : undefined,
    );
  }

  it('answers health checks for many runs from its cache: no request per check', async () => {
    const a = await startedSleeper();
    await healthIs(a, 'RUNNING');
    const before = [...cluster.kube.http.requests.values()].reduce((x, y) => x + y, 0);
    const managed = await instance.launcher();
    for (let i = 0; i < 100; i++) expect((await managed.checkHealth(a)).status).toBe('RUNNING');
    expect([...cluster.kube.http.requests.values()].reduce((x, y) => x + y, 0)).toBe(before);
    await instance.terminateRun(a.runId, { graceMs: 0 });
    await healthIs(a, 'NOT_FOUND');
    // A Job that is gone from the cache is gone: saying so costs no request either (once the
    // Job is older than the watch could lag behind).
    const launchedAt = a.worker?.launchedAt as number;
    await waitFor('the Job to be 5 s old', async () => (Date.now() > launchedAt + 5_000 ? true : undefined));
    const after = [...cluster.kube.http.requests.values()].reduce((x, y) => x + y, 0);
    for (let i = 0; i < 100; i++) expect((await managed.checkHealth(a)).status).toBe('NOT_FOUND');
    expect([...cluster.kube.http.requests.values()].reduce((x, y) => x + y, 0)).toBe(after);
  });

  it('resumes a dropped watch from the last resourceVersion, without listing again; meanwhile health is UNKNOWN', async () => {
    const informer = await (await launcher()).informer();
    const b = await startedSleeper();
    await healthIs(b, 'RUNNING');
    const lists = requests('GET jobs') + requests('GET pods');
    const watches = requests('WATCH jobs') + requests('WATCH pods');
    cluster.kube.http.dropWatches();
    // Until the watch is back, the cache may be behind: health says so rather than trusting it.
    const managed = await instance.launcher();
    const unknown = await waitFor('health to say the watch broke', async () => {
      const h = await managed.checkHealth(b);
      return h.status === 'UNKNOWN' ? h : undefined;
    });
    expect(unknown).toMatchObject({
      transient: true,
      reason: expect.stringContaining('watch on the Kubernetes API broke'),
    });
    const c = await startedSleeper();
    await healthIs(c, 'RUNNING');
    await healthIs(b, 'RUNNING');
    expect(requests('WATCH jobs') + requests('WATCH pods')).toBeGreaterThanOrEqual(watches + 2);
    // The new run's Job and pod came through the resumed watches: no list, no fallback read.
    expect(requests('GET jobs') + requests('GET pods')).toBe(lists);
    expect(informer.relists).toBe(0);
    await instance.terminateRun(b.runId, { graceMs: 0 });
    await instance.terminateRun(c.runId, { graceMs: 0 });
    await healthIs(c, 'NOT_FOUND');
  });

  it('lists again when the server answers 410 Gone for a resourceVersion it no longer has', async () => {
    const informer = await (await launcher()).informer();
    const c = await startedSleeper();
    await healthIs(c, 'RUNNING');
    cluster.kube.store.compact();
    cluster.kube.http.dropWatches();
    await waitFor('the informer to list again', async () => (informer.relists >= 2 ? true : undefined));
    await instance.terminateRun(c.runId, { graceMs: 0 });
    await healthIs(c, 'NOT_FOUND');
    const d = await startedSleeper();
    await healthIs(d, 'RUNNING');
    await instance.terminateRun(d.runId, { graceMs: 0 });
  });
});
