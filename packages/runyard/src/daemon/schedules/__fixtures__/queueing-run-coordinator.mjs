/**
 * A run coordinator for tests: it moves every submitted run into the queue (NOT_STARTED → QUEUED,
 * a compare-and-swap like the real queue's) and launches nothing, so a test sees exactly what the
 * scheduler or the retry daemon submitted without starting run workers.
 *
 *   runCoordinator:
 *     module: <this file>
 *     class: QueueingRunCoordinator
 */
export class QueueingRunCoordinator {
  async submitRun(ctx) {
    const result = await ctx.runs.transition(
      { runId: ctx.run.runId, type: 'RUN_ENQUEUED', message: 'held by the test coordinator' },
      { from: ['NOT_STARTED'] },
    );
    return result.run ?? ctx.run;
  }
}
