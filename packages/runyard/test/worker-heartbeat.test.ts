import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MonitoringHarness } from './fixtures/monitoring-harness.js';

const JOBS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/worker-health-jobs.ts');

// A short heartbeat timeout, and a resume on offer: a worker taken for dead would be resumed.
const HEARTBEAT_TIMEOUT_S = 2;
const RUNYARD_YAML = `
runMonitoring:
  pollIntervalSeconds: 0.2
  heartbeatTimeoutSeconds: ${HEARTBEAT_TIMEOUT_S}
  maxResumeAttempts: 1
runWorker:
  heartbeatIntervalSeconds: 0.2
`;

describe('heartbeats come from a thread that user code cannot block, in the real `runyard daemon`', () => {
  let h: MonitoringHarness;
  beforeAll(async () => {
    h = await MonitoringHarness.start(RUNYARD_YAML);
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('neither fails nor resumes a worker that computes synchronously for three heartbeat timeouts', async () => {
    const launched = await h.launch('busy', {
      location: JOBS,
      ops: { computes: { ms: 3 * HEARTBEAT_TIMEOUT_S * 1000 } },
    });
    const run = await h.waitForStatus(launched.runId, ['SUCCESS', 'FAILURE', 'CANCELED']);
    const events = await h.events(run.runId);
    expect(events.filter((e) => e.data?.monitoring !== undefined).map((e) => e.message)).toEqual([]);
    expect(run.status).toBe('SUCCESS');
    expect(run.tags['runyard/resume_attempt']).toBeUndefined();
    expect(events.filter((e) => e.type === 'STEP_START')).toHaveLength(1);
    // The heartbeat thread wrote while the op held the event loop.
    const step = events.find((e) => e.type === 'STEP_START');
    expect(run.workerHeartbeatAt).toBeGreaterThan(step?.timestamp ?? Number.POSITIVE_INFINITY);
    await h.waitForGroupGone(run);
  });
});
