import type { Instance } from '../instance/instance.js';

/**
 * What each `Daemon.runIteration` gets: the instance, an abort signal that fires on shutdown, and the
 * daemon's id.
 */
export interface DaemonIterationContext {
  readonly instance: Instance;
  /** This daemon process's id (`host:pid:random`), also the lease holder. */
  readonly daemonId: string;
  /** Aborted when the daemon shuts down: an iteration should wrap up soon after. */
  readonly signal: AbortSignal;
  /** Writes a line to the daemon's log (its stdout). */
  log(message: string): void;
}

/**
 * One sub-daemon (the run queue, run monitoring, the scheduler, run retries). The daemon loop
 * runs `runIteration` every `intervalMs` while this process holds the daemon lease, records the
 * errors an iteration throws without dying, and writes a heartbeat after each iteration.
 */
export interface Daemon {
  /** Shown in heartbeats: `QUEUE`, `MONITORING`, `SCHEDULER`, `RETRIES`. */
  readonly type: string;
  readonly intervalMs: number;
  runIteration(ctx: DaemonIterationContext): Promise<void>;
}
