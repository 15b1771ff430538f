import { describe, expect, it } from 'vitest';
import { type GetStorage, runIn } from './fixtures.js';

/**
 * Every FAILURE and CANCELED run says why, whoever ends it and whether or not it passes a reason:
 * the HTTP API promises a statusReason for both.
 */
export function describeStatusReasons(storage: GetStorage): void {
  describe('runs: every FAILURE and CANCELED has a statusReason', () => {
    it("a run whose step failed gets that step's failure as its reason", async () => {
      const run = await runIn(storage(), 'STARTED');
      await storage().events.appendEvents([
        { runId: run.runId, type: 'STEP_START', stepKey: 'fetch', message: "started step 'fetch'" },
        {
          runId: run.runId,
          type: 'STEP_FAILURE',
          stepKey: 'fetch',
          level: 'error',
          message: "step 'fetch' failed: Error: HTTP 503",
        },
      ]);
      const failed = await storage().runs.transition({
        runId: run.runId,
        type: 'RUN_FAILURE',
        message: "run of job 'x' failed: step 'fetch' failed",
        data: { failedSteps: ['fetch'], skippedSteps: ['store'] },
      });
      expect(failed.run?.statusReason).toBe("step 'fetch' failed: Error: HTTP 503");
      expect((await storage().runs.getRun(run.runId))?.statusReason).toBe("step 'fetch' failed: Error: HTTP 503");
    });

    it('names how many other steps failed too', async () => {
      const run = await runIn(storage(), 'STARTED');
      await storage().events.appendEvents(
        ['a', 'b', 'c'].map((step) => ({
          runId: run.runId,
          type: 'STEP_FAILURE' as const,
          stepKey: step,
          message: `step '${step}' failed: Error: ${step}`,
        })),
      );
      const failed = await storage().runs.transition({
        runId: run.runId,
        type: 'RUN_FAILURE',
        message: 'steps failed',
        data: { failedSteps: ['b', 'a', 'c'] },
      });
      expect(failed.run?.statusReason).toBe("step 'b' failed: Error: b (and 2 more failed steps)");
    });

    it('any other end without a reason gets its event message', async () => {
      const started = await runIn(storage(), 'STARTED');
      const failed = await storage().runs.transition({
        runId: started.runId,
        type: 'RUN_FAILURE',
        message: 'run failed: could not load the code location',
      });
      expect(failed.run?.statusReason).toBe('run failed: could not load the code location');
      const other = await runIn(storage(), 'STARTED');
      const canceled = await storage().runs.transition({
        runId: other.runId,
        type: 'RUN_CANCELED',
        message: 'run was cancelled (SIGTERM)',
      });
      expect(canceled.run?.statusReason).toBe('run was cancelled (SIGTERM)');
      const silent = await runIn(storage(), 'STARTING');
      const bare = await storage().runs.transition({ runId: silent.runId, type: 'RUN_FAILURE' });
      expect(bare.run?.statusReason).toBe('the run failed');
    });

    it('a cancelled run keeps the reason it was cancelled for; a queued one does not keep why it waited', async () => {
      const run = await runIn(storage(), 'STARTED');
      await storage().runs.transition(
        { runId: run.runId, type: 'RUN_CANCELING' },
        { statusReason: 'exceeded its max runtime of 60 s' },
      );
      const canceled = await storage().runs.transition({
        runId: run.runId,
        type: 'RUN_CANCELED',
        message: "run of job 'x' was cancelled",
      });
      expect(canceled.run?.statusReason).toBe('exceeded its max runtime of 60 s');

      const queued = await runIn(storage(), 'NOT_STARTED');
      await storage().runs.transition(
        { runId: queued.runId, type: 'RUN_ENQUEUED' },
        { statusReason: 'waiting: 2 of 2 runs in progress' },
      );
      const dropped = await storage().runs.transition({
        runId: queued.runId,
        type: 'RUN_CANCELED',
        message: 'run was cancelled before it was launched',
      });
      expect(dropped.run?.statusReason).toBe('run was cancelled before it was launched');
    });

    it('a reason given with the transition wins, and a successful run is given none', async () => {
      const run = await runIn(storage(), 'STARTED');
      const failed = await storage().runs.transition(
        { runId: run.runId, type: 'RUN_FAILURE', message: 'the event says this' },
        { statusReason: 'no heartbeat for 6 s' },
      );
      expect(failed.run?.statusReason).toBe('no heartbeat for 6 s');
      const ok = await runIn(storage(), 'STARTED');
      const succeeded = await storage().runs.transition({ runId: ok.runId, type: 'RUN_SUCCESS', message: 'done' });
      expect(succeeded.run?.statusReason).toBeUndefined();
    });
  });
}
