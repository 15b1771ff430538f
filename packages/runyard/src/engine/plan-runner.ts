import { toErrorInfo } from '../events/error-info.js';
import type { ExecutionOutcome, ExecutorContext } from './executor.js';
import type { OutputKey } from './io-manager.js';
import { expandMapSource } from './map-expansion.js';
import type { StepAttemptResult } from './step-attempt.js';
import { inputSources, loadInputs } from './step-inputs.js';
import { emitStepFailure, emitStepsSkipped, type FinalStepFailure, runStepWithRetries } from './step-retry.js';
import { type PlannedStep, StepScheduler } from './step-scheduler.js';

/** One attempt of one step, as an executor that holds outputs in this process runs it. */
export interface PlanStepAttempt {
  readonly planned: PlannedStep;
  /** The step's input values, loaded once for all its attempts. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /**
   * Stores the output through the run's IO manager (when it has one) and keeps it here for the
   * steps downstream. Called before STEP_OUTPUT and STEP_SUCCESS (StepAttemptArgs.storeOutput).
   */
  readonly storeOutput: (output: unknown) => Promise<void>;
}

export interface PlanRunnerOptions {
  /** How many steps may run at once. */
  readonly maxConcurrent: number;
  /** Runs one attempt wherever the executor runs steps (this process, a thread). Never throws. */
  readonly runAttempt: (request: PlanStepAttempt) => Promise<StepAttemptResult | FinalStepFailure>;
  /** Told after each scheduling round how many steps wait for a slot (a pool can warm up for them). */
  readonly onPending?: (running: number, pending: number) => void;
}

/**
 * The execution loop of the executors whose outputs come back to the run worker (in process,
 * threads): plans with the shared StepScheduler, grows the plan as map() sources succeed, runs
 * up to `maxConcurrent` steps with the shared retry loop, and keeps outputs in memory (and in the
 * IO manager when the run has one). Where an attempt runs is the only part left to the executor.
 */
export function runPlan(ctx: ExecutorContext, options: PlanRunnerOptions): Promise<ExecutionOutcome> {
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

  /** Runs one step with its retry policy; true when it succeeded. Never throws. */
  const runStep = async (planned: PlannedStep): Promise<boolean> => {
    const { step } = planned;
    try {
      const inputs = await loadInputs(inputSources(ctx.runId, scheduler.inputsOf(planned.key), completed), outputOf);
      let stored: { value: unknown } | undefined;
      const storeOutput = async (output: unknown) => {
        await ctx.io?.storeOutput({ runId: ctx.runId, stepKey: step.key }, output);
        stored = { value: output };
      };
      const result = await runStepWithRetries({
        step,
        signal: ctx.signal,
        emit: ctx.emit,
        runAttempt: (attempt) => options.runAttempt({ planned, inputs, attempt, storeOutput }),
      });
      if (!result.ok) return false;
      outputs.set(step.key, stored ? stored.value : result.output);
      return true;
    } catch (error) {
      // Loading an input failed: that is this step's failure too.
      emitStepFailure(ctx.emit, step.key, toErrorInfo(error));
      return false;
    }
  };

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
      while (running < options.maxConcurrent && !ctx.signal.aborted) {
        const planned = scheduler.take();
        if (planned === undefined) break;
        running++;
        void runStep(planned).then((ok) => {
          running--;
          if (ok) scheduler.succeeded(planned.key);
          else emitStepsSkipped(ctx.emit, scheduler.failedStep(planned.key));
          pump();
        });
      }
      if (!ctx.signal.aborted) options.onPending?.(running, scheduler.pendingCount);
      if (running === 0 && expanding === 0) finish();
    };
    pump();
  });
}
