import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MONITORING_LAUNCHERS, MonitoringHarness } from './fixtures/monitoring-harness.js';

describe('run monitoring of a worker that never claims its run, in the real `runyard daemon`', () => {
  let h: MonitoringHarness;
  beforeAll(async () => {
    h = await MonitoringHarness.start(`
runLauncher:
  module: ${MONITORING_LAUNCHERS}
  class: HangingWorkerLauncher
runMonitoring:
  startTimeoutSeconds: 1
  pollIntervalSeconds: 0.2
`);
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('fails the run after the start timeout with the launcher debug info, and kills the worker', async () => {
    const launched = await h.launch('runs_on');
    expect(launched.status).toBe('STARTING');
    const run = await h.waitForStatus(launched.runId, ['FAILURE', 'STARTED', 'SUCCESS', 'CANCELED']);
    expect(run.status).toBe('FAILURE');
    const pgid = run.worker?.pgid as number;
    const expected = new RegExp(
      `^run did not start within 1 s; worker pid ${pgid} \\(process group ${pgid}\\) on .+: RUNNING\n` +
        'last lines of stderr:\nrun worker: cannot reach the database at db:5432$',
    );
    expect(run.statusReason).toMatch(expected);
    const failure = (await h.events(run.runId)).find((e) => e.type === 'RUN_FAILURE');
    expect(failure?.message).toMatch(expected);
    expect(failure?.data).toMatchObject({ monitoring: 'start_timeout' });
    await h.waitForEvent(run.runId, 'the clean-up', (e) => e.message.startsWith('run monitoring stopped the worker'));
    await h.waitForGroupGone(run);
  });
});

describe('run monitoring with a launcher that cannot check health: heartbeats tell', () => {
  let h: MonitoringHarness;
  beforeAll(async () => {
    h = await MonitoringHarness.start(`
runLauncher:
  module: ${MONITORING_LAUNCHERS}
  class: HeartbeatOnlyLauncher
runWorker:
  heartbeatIntervalSeconds: 0.5
runMonitoring:
  heartbeatTimeoutSeconds: 2
  pollIntervalSeconds: 0.2
`);
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('fails a run whose worker stopped heartbeating, and leaves a heartbeating one alone', async () => {
    const healthy = await h.launch('runs_on');
    const doomed = await h.launch('runs_on');
    await h.workerPid(healthy.runId);
    process.kill(await h.workerPid(doomed.runId), 'SIGKILL');

    const run = await h.waitForStatus(doomed.runId, ['FAILURE', 'SUCCESS', 'CANCELED']);
    expect(run.status).toBe('FAILURE');
    expect(run.statusReason).toMatch(/^run worker died: no heartbeat for [\d.]+ s \(timeout 2 s\)$/);
    await h.waitForGroupGone(run);

    // Several heartbeat timeouts later, the healthy run is still running.
    await h.waitForPolls(15);
    expect((await h.run(healthy.runId)).status).toBe('STARTED');
    await h.instance.terminateRun(healthy.runId);
    expect((await h.run(healthy.runId)).status).toBe('CANCELED');
  });
});
