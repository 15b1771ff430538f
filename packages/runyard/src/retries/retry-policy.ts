import type { RunEvent } from '../events/run-event.js';
import type { RunRecord } from '../runs/run-record.js';
import {
  isRetryStrategy,
  MAX_RETRIES_TAG,
  RETRY_ON_OP_FAILURE_TAG,
  RETRY_STRATEGY_TAG,
  type RetryStrategy,
  retryNumberOf,
} from './retry-tags.js';

/** The instance's `runRetries` settings (runyard.yaml), as far as the decision needs them. */
export interface RunRetrySettings {
  readonly enabled: boolean;
  readonly maxRetries: number;
  readonly retryOnOpFailure: boolean;
}

/** Whether the retry daemon retries a failed run, and why not when it does not. */
export type RetryDecision =
  | {
      readonly retry: true;
      readonly strategy: RetryStrategy;
      readonly retryNumber: number;
      readonly maxRetries: number;
    }
  | { readonly retry: false; readonly reason: string };

/**
 * Whether the retry daemon retries this run, and how. Only a FAILURE is retried (a cancelled run
 * was stopped on purpose), while its chain has retries left: `runyard/max_retries` on the run (job
 * tags are on the run too), else the instance's `runRetries.maxRetries`. With `retryOnOpFailure`
 * off, only runs that failed without a failed step (the worker died, the job did not load) are.
 *
 * @param failure the run's RUN_FAILURE event, which names the failed steps
 */
export function decideAutomaticRetry(
  run: RunRecord,
  failure: Pick<RunEvent, 'data'> | undefined,
  settings: RunRetrySettings,
): RetryDecision {
  if (!settings.enabled) return { retry: false, reason: 'run retries are turned off for this instance' };
  if (run.status !== 'FAILURE') return { retry: false, reason: `the run is ${run.status}, not FAILURE` };

  const maxTag = run.tags[MAX_RETRIES_TAG];
  const maxRetries = maxTag === undefined ? settings.maxRetries : Number(maxTag);
  if (!Number.isSafeInteger(maxRetries) || maxRetries < 0)
    return { retry: false, reason: `tag ${MAX_RETRIES_TAG} must be a whole number, got '${maxTag}'` };
  const done = retryNumberOf(run);
  if (done >= maxRetries)
    return {
      retry: false,
      reason: maxRetries === 0 ? 'no retries are configured' : `it was retry ${done} of ${maxRetries}; no retries left`,
    };

  const opTag = run.tags[RETRY_ON_OP_FAILURE_TAG];
  if (opTag !== undefined && opTag !== 'true' && opTag !== 'false')
    return { retry: false, reason: `tag ${RETRY_ON_OP_FAILURE_TAG} must be 'true' or 'false', got '${opTag}'` };
  const retryOnOpFailure = opTag === undefined ? settings.retryOnOpFailure : opTag === 'true';
  const failedSteps = failure?.data?.failedSteps;
  if (!retryOnOpFailure && Array.isArray(failedSteps) && failedSteps.length > 0)
    return { retry: false, reason: 'a step failed, and retries on op failure are off' };

  const strategy = run.tags[RETRY_STRATEGY_TAG] ?? 'from-failure';
  if (!isRetryStrategy(strategy))
    return {
      retry: false,
      reason: `tag ${RETRY_STRATEGY_TAG} must be 'from-failure' or 'all-steps', got '${strategy}'`,
    };
  return { retry: true, strategy, retryNumber: done + 1, maxRetries };
}
