import type { RunRecord } from '../../runs/run-record.js';

/**
 * A run executed in process (`runyard job execute`): no launcher recorded a worker, yet the run has
 * heartbeats, written by the executing process itself. Monitoring judges it by them alone, never
 * resumes it (there is no launcher to start a new worker) and has nothing to kill.
 */
export function isInProcessRun(run: RunRecord): boolean {
  return run.worker === undefined && run.workerHeartbeatAt !== undefined;
}

export function describeInProcessRun(run: RunRecord): string {
  return `the run was executed in process (runyard job execute), not launched; its process last heartbeated at ${new Date(run.workerHeartbeatAt ?? 0).toISOString()}`;
}
