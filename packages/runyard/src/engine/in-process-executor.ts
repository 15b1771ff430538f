import type { ExecutionOutcome, Executor, ExecutorContext } from './executor.js';
import { runPlan } from './plan-runner.js';
import { runStepAttempt } from './step-attempt.js';

export interface InProcessExecutorOptions {
  /** How many steps may run at once. Default 8. */
  readonly maxConcurrent?: number;
}

export const DEFAULT_IN_PROCESS_CONCURRENCY = 8;

/**
 * Runs steps as async functions in the run worker's own process, independent ones concurrently
 * up to `maxConcurrent`, passing outputs in memory.
 */
export class InProcessExecutor implements Executor {
  readonly #maxConcurrent: number;

  constructor(options: InProcessExecutorOptions = {}) {
    this.#maxConcurrent = options.maxConcurrent ?? DEFAULT_IN_PROCESS_CONCURRENCY;
  }

  execute(ctx: ExecutorContext): Promise<ExecutionOutcome> {
    return runPlan(ctx, {
      maxConcurrent: this.#maxConcurrent,
      runAttempt: ({ planned, inputs, attempt, storeOutput }) =>
        runStepAttempt({
          runId: ctx.runId,
          jobName: ctx.job.name,
          tags: ctx.tags,
          step: planned.step,
          config: ctx.stepConfigs.get(planned.node.key),
          inputs,
          attempt,
          signal: ctx.signal,
          emit: ctx.emit,
          flush: ctx.flush,
          storeOutput,
        }),
    });
  }
}
