/** What the heartbeat thread and the process that started it say to each other (both import this). */

/** The thread's `workerData`. */
export interface HeartbeatThreadData {
  /** `Instance.serialize()`: the thread opens its own storage connection from it. */
  readonly serializedInstance: string;
  /** Absent for a thread started before its run is known: `beat` gives it. */
  readonly target?: HeartbeatTarget;
  readonly intervalMs: number;
}

/** What one heartbeat writes. */
export interface HeartbeatTarget {
  readonly runId: string;
  /** Renewed with every beat, when given: the run worker's claim on the run. */
  readonly lease?: { readonly name: string; readonly holder: string; readonly ttlMs: number };
}

/** Parent → thread. */
export type ToHeartbeatThread =
  | { readonly type: 'stop' }
  /** To a thread started without a target: beat for this run from now on. */
  | { readonly type: 'beat'; readonly target: HeartbeatTarget; readonly intervalMs: number };

/** Thread → parent. */
export type FromHeartbeatThread =
  | { readonly type: 'ready' }
  | { readonly type: 'beat-failed'; readonly failures: number; readonly message: string }
  | { readonly type: 'beat-recovered'; readonly failures: number }
  | { readonly type: 'stopped' };
