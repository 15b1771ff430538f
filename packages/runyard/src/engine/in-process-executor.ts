import type { StepNode } from '../definitions/job-graph.js';
import { toErrorInfo } from '../events/error-info.js';
import type { ExecutionOutcome, Executor, ExecutorContext } from './executor.js';
import { runStepAttempt } from './step-attempt.js';
import { emitStepFailure, emitStepsSkipped, runStepWithRetries } from './step-retry.js';
import { StepScheduler } from './step-scheduler.js';

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
    const completed = ctx.completedSteps ?? new Map<string, string>();
    const scheduler = new StepScheduler(ctx.job.graph, new Set(completed.keys()), ctx.selectedSteps);
    const outputs = new Map<string, unknown>();
    let running = 0;

    return new Promise((resolve) => {
      const finish = () =>
        resolve({
          status: ctx.signal.aborted ? 'CANCELED' : scheduler.failed.length ? 'FAILURE' : 'SUCCESS',
          failedSteps: scheduler.failed,
          skippedSteps: scheduler.skipped,
          outputs,
        });

      const pump = () => {
        while (running < this.#maxConcurrent && !ctx.signal.aborted) {
          const key = scheduler.take();
          if (key === undefined) break;
          running++;
          void this.#runStep(ctx, ctx.job.graph.steps.get(key) as StepNode, outputs, completed).then((ok) => {
            running--;
            if (ok) scheduler.succeeded(key);
            else emitStepsSkipped(ctx.emit, scheduler.failedStep(key));
            pump();
          });
        }
        if (running === 0) finish();
      };
      pump();
    });
  }

  /** Runs one step with its retry policy; true when it succeeded. Never throws. */
  async #runStep(
    ctx: ExecutorContext,
    step: StepNode,
    outputs: Map<string, unknown>,
    completed: ReadonlyMap<string, string>,
  ): Promise<boolean> {
    const io = ctx.io;
    try {
      const inputs = await gatherInputs(ctx, step, outputs, completed);
      const result = await runStepWithRetries({
        step,
        signal: ctx.signal,
        emit: ctx.emit,
        runAttempt: (attempt) =>
          runStepAttempt({
            runId: ctx.runId,
            jobName: ctx.job.name,
            tags: ctx.tags,
            step,
            config: ctx.stepConfigs.get(step.key),
            inputs,
            attempt,
            signal: ctx.signal,
            emit: ctx.emit,
            flush: ctx.flush,
            storeOutput: io ? (output) => io.storeOutput({ runId: ctx.runId, stepKey: step.key }, output) : undefined,
          }),
      });
      if (!result.ok) return false;
      outputs.set(step.key, result.output);
      return true;
    } catch (error) {
      // Loading an input or storing an output failed: that is this step's failure too.
      emitStepFailure(ctx.emit, step.key, toErrorInfo(error));
      return false;
    }
  }
}

/** Values for a step's inputs: from this run's memory, or from the run that produced them earlier. */
export async function gatherInputs(
  ctx: Pick<ExecutorContext, 'runId' | 'io'>,
  step: StepNode,
  outputs: ReadonlyMap<string, unknown>,
  completed: ReadonlyMap<string, string>,
): Promise<Record<string, unknown>> {
  const outputOf = async (stepKey: string) => {
    if (outputs.has(stepKey)) return outputs.get(stepKey);
    if (!ctx.io) throw new Error(`the output of step '${stepKey}' is not available (no IO manager)`);
    return ctx.io.loadOutput({ runId: completed.get(stepKey) ?? ctx.runId, stepKey });
  };
  const inputs: Record<string, unknown> = {};
  for (const [name, source] of Object.entries(step.inputs)) {
    inputs[name] =
      source.kind === 'single' ? await outputOf(source.from) : await Promise.all(source.from.map(outputOf));
  }
  return inputs;
}
