import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunEvent } from 'runyard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_JOBS, MonitoringHarness } from './fixtures/monitoring-harness.js';

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

/** The ends written for steps that were still running when their run ended: [step, how, why]. */
function stepEnds(events: readonly RunEvent[]): unknown[][] {
  return events
    .filter((e) => e.type === 'STEP_FAILURE' && e.data?.stepEnd !== undefined)
    .map((e) => [e.stepKey, e.data?.stepEnd, e.data?.reason]);
}

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

  describe('a step that ignores the cancel ends with its run', () => {
    const scratch: string[] = [];
    afterAll(() => {
      for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
    });
    async function stubbornRun(): Promise<string> {
      const dir = mkdtempSync(path.join(tmpdir(), 'runyard-stubborn-'));
      scratch.push(dir);
      const launched = await h.launch('stubborn', { location: CONFORMANCE_JOBS, ops: { stubborn: { dir } } });
      await h.waitForEvent(launched.runId, 'the step to start', (e) => e.type === 'STEP_START');
      return launched.runId;
    }

    it('as cancelled, when `run terminate` has to kill the worker', async () => {
      const runId = await stubbornRun();
      const result = await h.instance.terminateRun(runId, { graceMs: 300 });
      expect(result.run.status).toBe('CANCELED');
      expect(result.escalated).toBe(true);
      const [end] = stepEnds(await h.events(runId));
      expect(end?.slice(0, 2)).toEqual(['stubborn', 'cancelled']);
      expect(end?.[2]).toMatch(
        /^the run was terminated: process group \d+ ignored SIGTERM for 0\.3 s; killed it with SIGKILL$/,
      );
      await h.waitForGroupGone(result.run);
    });

    it('as abandoned, when the worker gives up waiting for it after an outside SIGTERM', async () => {
      const runId = await stubbornRun();
      const pid = await h.workerPid(runId);
      process.kill(pid, 'SIGTERM');
      const run = await h.waitForStatus(runId, ['CANCELED', 'FAILURE', 'SUCCESS']);
      expect(run.status).toBe('CANCELED');
      await h.waitForGroupGone(run);
      expect(stepEnds(await h.events(runId))).toEqual([
        ['stubborn', 'abandoned', 'it did not stop within the cancel wait after SIGTERM'],
      ]);
    });
  });
});
