import type { StepNode } from '../definitions/job-graph.js';
import { retryDelayMs } from '../definitions/retry-policy.js';
import { type ErrorInfo, formatErrorChain } from '../events/error-info.js';
import { abortableSleep } from '../util/abortable-sleep.js';
import type { EmitFn } from './event-writer.js';
import type { StepAttemptResult } from './step-attempt.js';

/**
 * A failure that another attempt would not fix (an input that cannot be loaded, an output that
 * cannot be stored, a code location that does not load): no retry, straight to STEP_FAILURE.
 */
export interface FinalStepFailure {
  readonly ok: false;
  readonly error: ErrorInfo;
  readonly retryable: false;
}

export interface StepRetryArgs {
  readonly step: StepNode;
  readonly signal: AbortSignal;
  readonly emit: EmitFn;
  /** Runs attempt number `attempt` (1 for the first) wherever the executor runs steps. */
  readonly runAttempt: (attempt: number) => Promise<StepAttemptResult | FinalStepFailure>;
}

/**
 * The retry loop every executor shares: runs attempts until one succeeds, the step's retry policy
 * is spent, or the run is cancelled. Between attempts it emits STEP_UP_FOR_RETRY and waits the
 * policy's delay; after the last failure it emits STEP_FAILURE. Returns the last attempt's result.
 */
export async function runStepWithRetries(args: StepRetryArgs): Promise<StepAttemptResult> {
  const { step, signal, emit } = args;
  const policy = step.op.retryPolicy;
  const maxRetries = policy?.maxRetries ?? 0;
  for (let attempt = 1; ; attempt++) {
    const result = await args.runAttempt(attempt);
    if (result.ok) return result;
    const retryable = !('retryable' in result) || result.retryable;
    if (retryable && attempt <= maxRetries && !signal.aborted) {
      const delayMs = retryDelayMs(policy ?? { maxRetries }, attempt);
      emit({
        type: 'STEP_UP_FOR_RETRY',
        stepKey: step.key,
        level: 'warning',
        message: `step '${step.key}' failed (attempt ${attempt} of ${maxRetries + 1}); retrying in ${delayMs} ms: ${formatErrorChain(result.error)}`,
        data: { attempt, delayMs, maxRetries },
        error: result.error,
      });
      await abortableSleep(delayMs, signal);
      if (!signal.aborted) continue;
    }
    emitStepFailure(emit, step.key, result.error, attempt);
    return { ok: false, error: result.error };
  }
}

/** STEP_FAILURE: after the last attempt, or when the step could not even be attempted (attempt 0). */
export function emitStepFailure(emit: EmitFn, stepKey: string, error: ErrorInfo, attempt = 0): void {
  emit({
    type: 'STEP_FAILURE',
    stepKey,
    level: 'error',
    message: `step '${stepKey}' failed${attempt > 1 ? ` after ${attempt} attempts` : ''}: ${formatErrorChain(error)}`,
    ...(attempt ? { data: { attempt } } : {}),
    error,
  });
}

/** STEP_SKIPPED for each step that can no longer run because an upstream step did not succeed. */
export function emitStepsSkipped(emit: EmitFn, skipped: ReadonlyArray<{ step: string; because: string }>): void {
  for (const { step, because } of skipped)
    emit({
      type: 'STEP_SKIPPED',
      stepKey: step,
      message: `skipped step '${step}': upstream step '${because}' did not succeed`,
      data: { upstream: because },
    });
}
