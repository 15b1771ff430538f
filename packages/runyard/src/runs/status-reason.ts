import type { NewRunEvent } from '../events/run-event.js';
import type { RunStatus } from './run-status.js';

/**
 * Every FAILURE and CANCELED run says why in its `statusReason` (the HTTP API, `run show` and the
 * UI show it). Many processes end runs (the worker, run monitoring, a launcher that fails, a
 * terminate), and not all of them pass a reason, so storage fills one in when the transition
 * gives none; these are the rules, shared by every backend:
 *
 * - a run that was CANCELING with a reason keeps that reason (why it was cancelled: max runtime,
 *   a SIGTERM from outside) rather than the worker's "run was cancelled";
 * - a run whose steps failed gets the first failed step's STEP_FAILURE message
 *   ("step 'fetch' failed: Error: HTTP 503"), with the number of other failed steps;
 * - anything else gets the terminal event's own message.
 */

/** Statuses that always have a reason. */
export function statusNeedsReason(status: RunStatus): boolean {
  return status === 'FAILURE' || status === 'CANCELED';
}

/** The first step the event names as failed (RUN_FAILURE's `data.failedSteps`), whose failure says why. */
export function firstFailedStep(event: NewRunEvent): string | undefined {
  return failedSteps(event)[0];
}

const MAX_REASON_LENGTH = 500;

/** The reason for a run ended by `event`; `stepFailure` is that first failed step's STEP_FAILURE message. */
export function defaultStatusReason(event: NewRunEvent, to: RunStatus, stepFailure: string | undefined): string {
  const steps = failedSteps(event);
  let reason: string;
  if (stepFailure !== undefined && steps.length > 0) {
    const others = steps.length - 1;
    reason = others > 0 ? `${stepFailure} (and ${others} more failed step${others > 1 ? 's' : ''})` : stepFailure;
  } else {
    reason = event.message?.trim() || (to === 'CANCELED' ? 'the run was cancelled' : 'the run failed');
  }
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}…` : reason;
}

function failedSteps(event: NewRunEvent): string[] {
  const steps = (event.data as { failedSteps?: unknown } | undefined)?.failedSteps;
  return Array.isArray(steps) ? steps.filter((s): s is string => typeof s === 'string') : [];
}
