import type { RunRecord } from '../runs/run-record.js';
import { SELECTED_STEPS_TAG } from '../selection/selection-tags.js';

/** Job or run tag: how many times the retry daemon retries a failed run (default: the instance's `runRetries.maxRetries`). */
export const MAX_RETRIES_TAG = 'runyard/max_retries';
/** Job or run tag: `from-failure` (the default) or `all-steps`, how the retry daemon retries. */
export const RETRY_STRATEGY_TAG = 'runyard/retry_strategy';
/** Job or run tag, `true` or `false`: overrides the instance's `runRetries.retryOnOpFailure`. */
export const RETRY_ON_OP_FAILURE_TAG = 'runyard/retry_on_op_failure';

/** On a retry: the run it retries. */
export const PARENT_RUN_ID_TAG = 'runyard/parent_run_id';
/** On a retry: the first run of the chain of retries. */
export const ROOT_RUN_ID_TAG = 'runyard/root_run_id';
/** On a retry: 1 for the first retry of the root run, 2 for a retry of that, … */
export const RETRY_NUMBER_TAG = 'runyard/retry_number';
/**
 * On a retry: how it re-executes its parent, `from-failure` (steps that succeeded before are not
 * run again; their outputs are read from the run that made them) or `all-steps`. Separate from
 * RETRY_STRATEGY_TAG, which is the policy for retrying this run in turn.
 */
export const REEXECUTION_TAG = 'runyard/reexecution';
/** REEXECUTION_TAG's value on a run of selected steps that reads the others from its parent. */
export const SELECTION_REEXECUTION = 'selection';

/**
 * How a run is retried: `from-failure` reuses the outputs of the steps that succeeded; `all-steps`
 * runs them all again.
 */
export type RetryStrategy = 'from-failure' | 'all-steps';

/** The run retry strategies: rerun only what did not succeed, or every step. */
export const RETRY_STRATEGIES: readonly RetryStrategy[] = ['from-failure', 'all-steps'];

/** True when `value` is a run retry strategy: `'from-failure'` or `'all-steps'`. */
export function isRetryStrategy(value: unknown): value is RetryStrategy {
  return typeof value === 'string' && (RETRY_STRATEGIES as readonly string[]).includes(value);
}

/** The run's place in its chain of retries: 0 for a run that is not a retry. */
export function retryNumberOf(run: RunRecord): number {
  const value = Number(run.tags[RETRY_NUMBER_TAG]);
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

/**
 * True when the run reads outputs from its parent: a retry from failure (the steps that succeeded
 * before), or a run of selected steps (the steps outside the selection).
 */
export function reusesParentOutputs(run: RunRecord): boolean {
  return (
    run.parentRunId !== undefined &&
    (run.tags[REEXECUTION_TAG] === 'from-failure' || run.tags[SELECTED_STEPS_TAG] !== undefined)
  );
}

/**
 * Tags of a run of selected steps that reads the other steps' outputs from `parent`
 * (`job launch --select … --from-run <id>`): linked like a retry, without a retry number.
 */
export function fromRunTags(parent: RunRecord): Record<string, string> {
  return {
    [PARENT_RUN_ID_TAG]: parent.runId,
    [ROOT_RUN_ID_TAG]: parent.rootRunId ?? parent.runId,
    [REEXECUTION_TAG]: SELECTION_REEXECUTION,
  };
}
