import type { Storage } from '../../storage/storage.js';
import type { HeartbeatTarget } from './heartbeat-messages.js';

/** One heartbeat: the run's `workerHeartbeatAt`, then the worker's lease on the run. */
export async function writeHeartbeat(storage: Storage, target: HeartbeatTarget): Promise<void> {
  await storage.runs.updateRun(target.runId, { workerHeartbeatAt: Date.now() });
  if (target.lease) await storage.daemon.acquireLease(target.lease.name, target.lease.holder, target.lease.ttlMs);
}

/**
 * How long to wait after `failures` failed beats in a row: soon at first (a storage blip should not
 * cost a heartbeat timeout), never longer than the interval itself.
 */
export function retryDelayMs(failures: number, intervalMs: number): number {
  return Math.min(intervalMs, 100 * 2 ** Math.max(0, failures - 1));
}
