import type { WorkerHealth } from '../../launcher/run-launcher.js';
import type { RunRecord } from '../../runs/run-record.js';
import {
  formatSeconds,
  infraResumeAttemptsOf,
  MAX_INFRA_RESUME_ATTEMPTS,
  type MonitoringAction,
  resumeAttemptsOf,
} from './monitoring-action.js';
import { describeDiagnosis, diagnosisOf, isPlatformLoss } from './worker-diagnosis.js';

export interface StartedRunFacts {
  readonly now: number;
  /** The launcher's answer; undefined when it cannot check health (then only heartbeats count). */
  readonly health: WorkerHealth | undefined;
  /** When monitoring last resumed the run: the new worker has the heartbeat timeout to send its first. */
  readonly resumedAt: number | undefined;
  /**
   * False when the daemon itself was stopped for longer than the timeout (a suspended laptop, a
   * paused VM): every heartbeat looks old then, though the workers were paused too. Health still counts.
   */
  readonly heartbeatsTrusted: boolean;
  readonly heartbeatTimeoutMs: number;
  /** The launcher declares `resume`. */
  readonly canResume: boolean;
  readonly maxResumeAttempts: number;
}

const DEAD: readonly WorkerHealth['status'][] = ['FAILED', 'NOT_FOUND', 'SUCCESS'];

/**
 * A STARTED run whose worker is dead (the launcher says so, or it stopped heartbeating) is resumed
 * while attempts remain and the launcher can, and otherwise fails. A worker the platform took away
 * (preempted, evicted, a retryable capacity failure) is resumed on the platform's own budget first,
 * so the user's `maxResumeAttempts` is kept for failures of their worker.
 */
export function checkStartedRun(run: RunRecord, facts: StartedRunFacts): MonitoringAction | undefined {
  if (run.status !== 'STARTED') return undefined;
  const bare = workerDeath(run, facts);
  if (bare === undefined) return undefined;
  // workerDeath answers from a settled FAILED health before heartbeats, so a diagnosis is the cause.
  const diagnosis = diagnosisOf(facts.health);
  const death = diagnosis ? describeDiagnosis(diagnosis, bare) : bare;
  const made = resumeAttemptsOf(run.tags);
  const infraMade = infraResumeAttemptsOf(run.tags);
  const attempt = made + infraMade + 1;
  if (facts.canResume && isPlatformLoss(diagnosis) && infraMade < MAX_INFRA_RESUME_ATTEMPTS)
    return {
      kind: 'resume',
      monitoring: 'resume',
      attempt,
      budget: 'infra',
      budgetAttempt: infraMade + 1,
      maxAttempts: MAX_INFRA_RESUME_ATTEMPTS,
      reason: death,
      ...(diagnosis && { diagnosis }),
    };
  if (facts.canResume && made < facts.maxResumeAttempts)
    return {
      kind: 'resume',
      monitoring: 'resume',
      attempt,
      budget: 'user',
      budgetAttempt: made + 1,
      maxAttempts: facts.maxResumeAttempts,
      reason: death,
      ...(diagnosis && { diagnosis }),
    };
  const total = made + infraMade;
  const after = total > 0 ? ` (after ${total} resume attempt${total === 1 ? '' : 's'})` : '';
  return {
    kind: 'fail',
    monitoring: 'worker_died',
    from: 'STARTED',
    reason: `run worker died: ${death}${after}`,
    ...(diagnosis && { diagnosis }),
  };
}

/** Why the worker is taken for dead, or undefined while it may be alive. */
export function workerDeath(run: RunRecord, facts: StartedRunFacts): string | undefined {
  const { health } = facts;
  // A transient or UNKNOWN answer (an API timeout, a pod still scheduling) is not evidence.
  if (health && !health.transient && DEAD.includes(health.status)) {
    // The worker records the run's end before it exits 0, so a clean exit under a STARTED run is a
    // worker that left without finishing (the daemon has checked the run again after asking).
    if (health.status === 'SUCCESS') return `${health.reason ?? 'the worker exited'} without finishing the run`;
    return health.reason ?? `the launcher reports the worker ${health.status}`;
  }
  // Heartbeats are the fallback for launchers that cannot check health, and catch a worker that is
  // alive but stuck (or whose process group lives on without it).
  if (!facts.heartbeatsTrusted) return undefined;
  // A worker that never sent a heartbeat counts from RUN_START; a resumed one from its resume.
  const last = Math.max(run.workerHeartbeatAt ?? 0, run.startTime ?? 0, facts.resumedAt ?? 0);
  const silentMs = facts.now - last;
  if (silentMs <= facts.heartbeatTimeoutMs) return undefined;
  return `no heartbeat for ${formatSeconds(silentMs)} (timeout ${formatSeconds(facts.heartbeatTimeoutMs)})`;
}
