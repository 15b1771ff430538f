import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MONITORING_LAUNCHERS, MonitoringHarness } from './fixtures/monitoring-harness.js';

describe('run monitoring of a worker its launcher diagnoses as never able to start, in the real `runyard daemon`', () => {
  let h: MonitoringHarness;
  beforeAll(async () => {
    // A start timeout far beyond the test's waits: only the diagnosis can fail the run in time.
    h = await MonitoringHarness.start(`
runLauncher:
  module: ${MONITORING_LAUNCHERS}
  class: UnpullableImageLauncher
runMonitoring:
  startTimeoutSeconds: 3600
  pollIntervalSeconds: 0.2
`);
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('fails the STARTING run at once with the diagnosis in the event, and kills the worker', async () => {
    const launched = await h.launch('runs_on');
    const run = await h.waitForStatus(launched.runId, ['FAILURE', 'STARTED', 'SUCCESS', 'CANCELED']);
    expect(run.status).toBe('FAILURE');
    expect(run.statusReason).toBe(
      "run worker cannot start: the worker's image cannot be pulled (image): pod run-x cannot pull its image (ImagePullBackOff): registry.example/missing:1 not found",
    );
    const failure = (await h.events(run.runId)).find((e) => e.type === 'RUN_FAILURE');
    expect(failure?.data).toMatchObject({ monitoring: 'cannot_start', failureClass: 'image', retryable: false });
    await h.waitForGroupGone(run);
  });
});

describe('run monitoring of a preempted worker: resumed without spending maxResumeAttempts', () => {
  let h: MonitoringHarness;
  beforeAll(async () => {
    h = await MonitoringHarness.start(`
runLauncher:
  module: ${MONITORING_LAUNCHERS}
  class: PreemptedWorkerLauncher
runMonitoring:
  maxResumeAttempts: 0
  pollIntervalSeconds: 0.2
`);
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('resumes on the platform budget, counted in its own tag, and fails once that budget is spent', async () => {
    const launched = await h.launch('runs_on');
    await h.workerPid(launched.runId);
    let worker = await h.run(launched.runId);
    for (let attempt = 1; attempt <= 3; attempt++) {
      process.kill(-(worker.worker?.pgid as number), 'SIGKILL');
      const resumed = await h.waitForEvent(
        launched.runId,
        `resume ${attempt}`,
        (e) => e.data?.monitoring === 'resume' && e.data?.resumeAttempt === attempt,
      );
      expect(resumed.data).toMatchObject({ resumeBudget: 'infra', failureClass: 'preempted', retryable: true });
      expect(resumed.message).toContain(
        `(attempt ${attempt} of 3 of the platform, not counted against maxResumeAttempts)`,
      );
      const previous = worker.worker?.pgid;
      await h.waitUntil(`the resumed worker ${attempt}`, async () => {
        worker = await h.run(launched.runId);
        return worker.status === 'STARTED' && worker.worker?.pgid !== previous && h.groupAlive(worker);
      });
      expect(worker.tags['runyard/infra_resume_attempt']).toBe(String(attempt));
      expect(worker.tags['runyard/resume_attempt']).toBeUndefined();
    }
    process.kill(-(worker.worker?.pgid as number), 'SIGKILL');
    const run = await h.waitForStatus(launched.runId, ['FAILURE', 'SUCCESS', 'CANCELED']);
    expect(run.status).toBe('FAILURE');
    expect(run.statusReason).toMatch(
      /^run worker died: the worker was preempted or evicted \(preempted\): preempted: .* \(after 3 resume attempts\)$/,
    );
  });
});
