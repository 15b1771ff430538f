import type { RunRecord } from '../../runs/run-record.js';
import { formatSeconds, type MonitoringAction } from './monitoring-action.js';

export interface StartingRunFacts {
  readonly now: number;
  /** When RUN_STARTING was recorded. */
  readonly startingSince: number;
  readonly startTimeoutMs: number;
}

/**
 * A run still STARTING after the start timeout never got a worker that claimed it: it fails. The
 * daemon adds the launcher's debug info to the reason, because "did not start" alone tells nobody
 * why (an image that never pulled, a worker that crashed on import, a pod that was never scheduled).
 */
export function checkStartingRun(run: RunRecord, facts: StartingRunFacts): MonitoringAction | undefined {
  if (run.status !== 'STARTING') return undefined;
  if (facts.now - facts.startingSince <= facts.startTimeoutMs) return undefined;
  return {
    kind: 'fail',
    monitoring: 'start_timeout',
    from: 'STARTING',
    reason: `run did not start within ${formatSeconds(facts.startTimeoutMs)}`,
  };
}
