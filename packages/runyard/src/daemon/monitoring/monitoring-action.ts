import type { WorkerFailureClass } from '../../launcher/run-launcher.js';

/** How many times run monitoring has resumed the run's worker (a count, as a string). */
export const RESUME_ATTEMPT_TAG = 'runyard/resume_attempt';
/**
 * How many times run monitoring has resumed the run after the platform took its worker away (a
 * preempted or evicted pod, a retryable capacity or infrastructure failure). Counted apart from
 * RESUME_ATTEMPT_TAG so the user's `maxResumeAttempts` is not spent on failures that are not theirs,
 * and bounded by MAX_INFRA_RESUME_ATTEMPTS so a cluster that keeps preempting does not loop forever.
 */
export const INFRA_RESUME_ATTEMPT_TAG = 'runyard/infra_resume_attempt';
/**
 * How many times run monitoring resumes a run whose worker the platform took away (preempted,
 * capacity, infra), apart from the user's `maxResumeAttempts`.
 */
export const MAX_INFRA_RESUME_ATTEMPTS = 3;
/** Seconds a STARTED run may run before run monitoring terminates it; on the run or its job. */
export const MAX_RUNTIME_TAG = 'runyard/max_runtime';

/**
 * What run monitoring decided about one run. The checks (check-*.ts) return these from plain data;
 * the daemon carries each out as a compare-and-swap, so a racing daemon or worker never doubles it.
 * `monitoring` names the rule, and is written into the event's data so later readers can tell.
 */
export type MonitoringAction =
  /** STARTING or STARTED → FAILURE; then the launcher stops the worker. */
  | {
      readonly kind: 'fail';
      /** `cannot_start`: a STARTING run whose launcher says its worker can never start. */
      readonly monitoring: 'start_timeout' | 'worker_died' | 'cannot_start';
      readonly from: 'STARTING' | 'STARTED';
      readonly reason: string;
      /** The launcher's diagnosis, when it gave one; written into the event's data. */
      readonly diagnosis?: WorkerDiagnosis;
    }
  /** A new worker takes over a STARTED run whose worker died (the launcher can, and attempts remain). */
  | {
      readonly kind: 'resume';
      readonly monitoring: 'resume';
      /** 1 for the first resume, counting both budgets: the launcher names the new worker after it. */
      readonly attempt: number;
      /** Which budget pays: the user's (`maxResumeAttempts`) or the platform's (MAX_INFRA_RESUME_ATTEMPTS). */
      readonly budget: 'user' | 'infra';
      /** The attempt within its budget, and the budget's bound. */
      readonly budgetAttempt: number;
      readonly maxAttempts: number;
      readonly reason: string;
      readonly diagnosis?: WorkerDiagnosis;
    }
  /** CANCELING for too long: CANCELING → CANCELED, then the launcher kills the worker. */
  | { readonly kind: 'cancel'; readonly monitoring: 'cancel_timeout'; readonly reason: string }
  /** Past its max runtime: STARTED → CANCELING, then terminated as `runyard run terminate` would. */
  | {
      readonly kind: 'terminate';
      readonly monitoring: 'max_runtime';
      readonly reason: string;
      readonly maxRuntimeSeconds: number;
    }
  /** Something to tell people once per run, without acting (a tag that cannot be understood). */
  | {
      readonly kind: 'report';
      /** `launcher_not_configured`: the run's launcher is no longer in runyard.yaml. */
      readonly monitoring: 'max_runtime_invalid' | 'launcher_not_configured';
      readonly message: string;
    };

export type MonitoringRule = MonitoringAction['monitoring'];

/** A launcher's diagnosis of a failed worker (WorkerHealth's failureClass and retryable). */
export interface WorkerDiagnosis {
  readonly failureClass: WorkerFailureClass;
  readonly retryable: boolean;
}

/** `180 s`, `0.2 s`, `7.3 s`: whole seconds from 10 s up, a tenth below. */
export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  if (seconds >= 10 || Number.isInteger(seconds)) return `${Math.round(seconds)} s`;
  return `${seconds.toFixed(1).replace(/\.0$/, '')} s`;
}

/** Resume attempts already made for the run, from its tag (absent or unreadable counts as none). */
export function resumeAttemptsOf(tags: Readonly<Record<string, string>>): number {
  return countTag(tags, RESUME_ATTEMPT_TAG);
}

/** Resumes paid by the platform's budget (a preempted worker), from their own tag. */
export function infraResumeAttemptsOf(tags: Readonly<Record<string, string>>): number {
  return countTag(tags, INFRA_RESUME_ATTEMPT_TAG);
}

function countTag(tags: Readonly<Record<string, string>>, tag: string): number {
  const value = Number(tags[tag]);
  return Number.isInteger(value) && value > 0 ? value : 0;
}
