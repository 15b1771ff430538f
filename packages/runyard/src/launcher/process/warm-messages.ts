/**
 * The typed protocol between the process launcher's warm pool (warm-pool.ts) and an idle run
 * worker it started (warm-worker.ts), over the Node IPC channel both sides share.
 */

/** The launcher hands one run to an idle worker. */
export interface WarmRunMessage {
  readonly type: 'run';
  readonly runId: string;
  readonly resume: boolean;
  /** The launch's own worker environment (RUNYARD_INSTANCE, the launch attempt…), set before the claim. */
  readonly env: Readonly<Record<string, string>>;
  /** The run's compute-log files: the worker's output goes there while it runs the run. */
  readonly stdoutPath: string;
  readonly stderrPath: string;
  /** This launch's exit file, which a worker that goes back to the pool writes itself. */
  readonly exitFile: string;
  /** Whether the worker goes back to the pool after this run (maxRunsPerProcess not reached). */
  readonly reuse: boolean;
}

/**
 * The code location the pool's runs come from: an idle worker imports it before its run comes,
 * when that is safe (see warm-worker.ts).
 */
export interface WarmPreloadMessage {
  readonly type: 'preload';
  readonly codeLocation: string;
}

export type ToWarmWorker = WarmRunMessage | WarmPreloadMessage | { readonly type: 'exit' };

export type FromWarmWorker =
  /** Runyard and the instance are loaded; the worker waits for a run. */
  | { readonly type: 'ready' }
  /** The worker took the run; from here on it is the run's worker, as a fresh one would be. */
  | { readonly type: 'accepted'; readonly runId: string }
  /** A reused worker finished its run and waits for the next one. */
  | { readonly type: 'idle'; readonly runId: string; readonly exitCode: number };
