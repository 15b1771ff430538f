import { OUTSIDE_SIGTERM_ENV } from 'runyard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MonitoringHarness } from './fixtures/monitoring-harness.js';

// Workers started as the Kubernetes and ECS launchers start them: a SIGTERM the platform sends on
// its own (an eviction, a Spot interruption) gives the run back to monitoring instead of
// cancelling it. The process launcher passes the variable through its `env`; heartbeats would
// take a minute, so what judges the worker here is the launcher's health check.
const RUNYARD_YAML = `
runLauncher:
  class: ProcessRunLauncher
  config:
    env: { ${OUTSIDE_SIGTERM_ENV}: release }
runMonitoring:
  pollIntervalSeconds: 0.2
  heartbeatTimeoutSeconds: 60
  maxResumeAttempts: 1
`;

describe('a worker whose platform takes its compute back', () => {
  let h: MonitoringHarness;
  beforeAll(async () => {
    h = await MonitoringHarness.start(RUNYARD_YAML);
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('records the release, leaves the run STARTED for monitoring (which resumes it), and does not cancel it', async () => {
    const launched = await h.launch('runs_on');
    const workerPid = await h.workerPid(launched.runId);
    process.kill(workerPid, 'SIGTERM');

    const released = await h.waitForEvent(launched.runId, 'the release', (e) => e.data?.released === true);
    expect(released.message).toContain(`the run worker (pid ${workerPid}) received SIGTERM from outside Runyard`);
    const resumed = await h.waitForEvent(launched.runId, 'the resume', (e) => e.data?.monitoring === 'resume');
    expect(resumed.message).toMatch(/killed by SIGTERM|exited with code 143/);
    const types = (await h.events(launched.runId)).filter((e) => e.type.startsWith('RUN_')).map((e) => e.type);
    expect(types).not.toContain('RUN_CANCELING');
    expect(types).not.toContain('RUN_CANCELED');
    expect((await h.run(launched.runId)).status).toBe('STARTED');

    // A terminate from Runyard is still a cancel: the run is CANCELING when the worker gets it.
    const result = await h.instance.terminateRun(launched.runId, { graceMs: 5_000 });
    expect(result.run.status).toBe('CANCELED');
    await h.waitForGroupGone(result.run);
  });
});
