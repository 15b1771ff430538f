import type { WorkerFailureClass, WorkerHealth } from '../../launcher/run-launcher.js';
import type { RunRecord } from '../../runs/run-record.js';
import type { MonitoringAction, WorkerDiagnosis } from './monitoring-action.js';

const CLASS_PHRASE: Readonly<Record<WorkerFailureClass, string>> = {
  user: "the run's code failed",
  oom: 'the worker was OOM-killed',
  preempted: 'the worker was preempted or evicted',
  image: "the worker's image cannot be pulled",
  unschedulable: 'the worker cannot be scheduled',
  capacity: 'there is no room for the worker now',
  infra: 'the platform failed the worker',
};

/** The launcher's diagnosis in a health answer: only a settled FAILED answer that names a class. */
export function diagnosisOf(health: WorkerHealth | undefined): WorkerDiagnosis | undefined {
  if (!health || health.transient || health.status !== 'FAILED' || !health.failureClass) return undefined;
  return { failureClass: health.failureClass, retryable: health.retryable === true };
}

/**
 * The launcher's reason with the diagnosis in front, in words people search for:
 * "the worker was OOM-killed (oom): pod p was OOMKilled: ... memory limit 256Mi".
 */
export function describeDiagnosis(diagnosis: WorkerDiagnosis, reason: string): string {
  // The user's own failure needs no label: "exited with code 1" says it, and is what people expect.
  if (diagnosis.failureClass === 'user') return reason;
  return `${CLASS_PHRASE[diagnosis.failureClass]} (${diagnosis.failureClass}): ${reason}`;
}

/**
 * A loss that is the platform's, not the user's: a preempted or evicted worker, or a capacity or
 * infrastructure failure the launcher calls retryable. Resuming it does not spend `maxResumeAttempts`.
 */
export function isPlatformLoss(diagnosis: WorkerDiagnosis | undefined): boolean {
  if (!diagnosis) return false;
  if (diagnosis.failureClass === 'preempted') return true;
  return diagnosis.retryable && (diagnosis.failureClass === 'capacity' || diagnosis.failureClass === 'infra');
}

/**
 * A STARTING run whose launcher says its worker can never start (an image that cannot be pulled,
 * a pod that can never be scheduled, a config error, a worker that exited before claiming the run)
 * fails at once: waiting out the start timeout would only hide the reason for minutes. A retryable
 * answer (a cluster short of room for now) waits: the start timeout still bounds it.
 */
export function checkCannotStart(run: RunRecord, health: WorkerHealth | undefined): MonitoringAction | undefined {
  if (run.status !== 'STARTING') return undefined;
  const diagnosis = diagnosisOf(health);
  if (!diagnosis || diagnosis.retryable) return undefined;
  const reason = health?.reason ?? `the launcher reports the worker FAILED`;
  return {
    kind: 'fail',
    monitoring: 'cannot_start',
    from: 'STARTING',
    reason: `run worker cannot start: ${describeDiagnosis(diagnosis, reason)}`,
    diagnosis,
  };
}
