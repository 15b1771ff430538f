import { toErrorInfo } from '../events/error-info.js';
import type { ExecutionOutcome, Executor, ExecutorContext } from './executor.js';
import type { OutputKey } from './io-manager.js';
import { expandMapSource } from './map-expansion.js';
import { runStepAttempt } from './step-attempt.js';
import { inputSources, loadInputs, type StepInputSource } from './step-inputs.js';
import { emitStepFailure, emitStepsSkipped, runStepWithRetries } from './step-retry.js';
import { type PlannedStep, StepScheduler } from './step-scheduler.js';

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
    const scheduler = new StepScheduler(ctx.job.graph, {
      completed: new Set(completed.keys()),
      maxMappedSteps: ctx.job.maxMappedSteps,
      selected: ctx.selectedSteps,
    });
    const outputs = new Map<string, unknown>();
    const outputOf = (key: OutputKey) => {
      if (key.runId === ctx.runId && outputs.has(key.stepKey)) return outputs.get(key.stepKey);
      if (!ctx.io) throw new Error(`the output of step '${key.stepKey}' is not available (no IO manager)`);
      return ctx.io.loadOutput(key);
    };
    let running = 0;
    let expanding = 0;

    return new Promise((resolve) => {
      const finish = () =>
        resolve({
          status: ctx.signal.aborted ? 'CANCELED' : scheduler.failed.length ? 'FAILURE' : 'SUCCESS',
          failedSteps: scheduler.failed,
          skippedSteps: scheduler.skipped,
          outputs,
        });

      const pump = () => {
        // A map's list may have to be loaded (a source that succeeded in an earlier run): that
        // runs beside the steps, and the steps it plans join the queue when it is done.
        for (const source of ctx.signal.aborted ? [] : scheduler.takeExpansions()) {
          expanding++;
          const from = { runId: completed.get(source) ?? ctx.runId, stepKey: source };
          void expandMapSource(scheduler, source, () => outputOf(from), ctx.emit).then(() => {
            expanding--;
            pump();
          });
        }
        while (running < this.#maxConcurrent && !ctx.signal.aborted) {
          const planned = scheduler.take();
          if (planned === undefined) break;
          running++;
          const sources = inputSources(ctx.runId, scheduler.inputsOf(planned.key), completed);
          void this.#runStep(ctx, planned, sources, outputs, outputOf).then((ok) => {
            running--;
            if (ok) scheduler.succeeded(planned.key);
            else emitStepsSkipped(ctx.emit, scheduler.failedStep(planned.key));
            pump();
          });
        }
        if (running === 0 && expanding === 0) finish();
      };
      pump();
    });
  }

  /** Runs one step with its retry policy; true when it succeeded. Never throws. */
  async #runStep(
    ctx: ExecutorContext,
    planned: PlannedStep,
    sources: Record<string, StepInputSource>,
    outputs: Map<string, unknown>,
    outputOf: (key: OutputKey) => unknown,
  ): Promise<boolean> {
    const io = ctx.io;
    const { step } = planned;
    try {
      const inputs = await loadInputs(sources, outputOf);
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
            config: ctx.stepConfigs.get(planned.node.key),
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
