import type { RunRecord } from '../../runs/run-record.js';
import { formatSeconds, type MonitoringAction } from './monitoring-action.js';

export interface CancelingRunFacts {
  readonly now: number;
  /** When RUN_CANCELING was recorded. */
  readonly cancelingSince: number;
  readonly cancelTimeoutMs: number;
}

/**
 * A run still CANCELING after the cancel timeout has a worker that did not stop, or a terminate
 * that died half way (the CLI was killed during the grace period): its worker is killed and the run
 * becomes CANCELED, so nothing stays "cancelling" for ever.
 */
export function checkCancelingRun(run: RunRecord, facts: CancelingRunFacts): MonitoringAction | undefined {
  if (run.status !== 'CANCELING') return undefined;
  if (facts.now - facts.cancelingSince <= facts.cancelTimeoutMs) return undefined;
  return {
    kind: 'cancel',
    monitoring: 'cancel_timeout',
    reason: `run was still CANCELING ${formatSeconds(facts.cancelTimeoutMs)} after termination was requested`,
  };
}
