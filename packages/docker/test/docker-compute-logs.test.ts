import path from 'node:path';
import { type CodeLocation, type Instance, loadCodeLocation, MonitoringDaemon, type RunRecord } from 'runyard';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { containerId, openDockerInstance, REPO } from './support/docker-instance.js';
import { type DockerEngine, describeWithDocker, startDockerEngine } from './support/dockerd.js';
import { waitFor, waitForStatus } from './support/waits.js';

const JOBS = path.join(REPO, 'packages/docker/test/fixtures/docker-jobs.ts');

// `run logs --stdout/--stderr` and the UI read `instance.computeLogs()`: for a Docker run it serves
// the container's logs while the container exists, and the copy run monitoring kept once it is gone.
describeWithDocker("a Docker run's output, live and after its container is removed", () => {
  let engine: DockerEngine;
  let location: CodeLocation;
  let instance: Instance;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    engine = await startDockerEngine();
    location = await loadCodeLocation(JOBS);
    const setup = await openDockerInstance(engine);
    instance = setup.instance;
    dispose = () => setup.dispose();
  });
  afterAll(async () => {
    await dispose?.();
    await engine?.stop();
  });

  const poll = (daemon: MonitoringDaemon) =>
    daemon.runIteration({ instance, daemonId: 'test', signal: new AbortController().signal, log: () => {} });
  const read = async (run: RunRecord, stream: 'stdout' | 'stderr') =>
    (await (await instance.computeLogs()).read(run.runId, stream)).data;

  it('serves the live container logs, keeps a copy when the run ends, and serves the copy after removal', async () => {
    const daemon = new MonitoringDaemon(instance);
    const submitted = await instance.submitJobRun({
      job: location.getJob('chatty'),
      codeLocation: JOBS,
      source: 'api',
    });
    await waitForStatus(instance, submitted.runId, ['STARTED']);
    await poll(daemon);
    const run = await waitForStatus(instance, submitted.runId, ['SUCCESS']);
    expect(await read(run, 'stdout')).toContain('chatty op: a line on stdout');
    expect(await read(run, 'stderr')).toContain('chatty op: a line on stderr');
    expect(await read(run, 'stdout')).not.toContain('a line on stderr');

    // The poll after the run ended copies the output into its events.
    await poll(daemon);
    const kept = (await instance.storage.events.getEvents(run.runId)).find((e) => e.data?.workerEvidence);
    expect(kept?.message).toMatch(/^kept the worker's output \(\d+ \+ \d+ bytes\) .* after the run ended \(SUCCESS\)$/);

    await engine.cli('rm', '-f', containerId(run));
    await waitFor('the container to be gone', async () =>
      (await engine.cli('ps', '-aq', '--filter', `id=${containerId(run)}`)) === '' ? true : undefined,
    );
    expect(await read(run, 'stdout')).toContain('chatty op: a line on stdout');
    expect(await read(run, 'stderr')).toContain('chatty op: a line on stderr');
  });
});
