import type { ErrorInfo } from '../events/error-info.js';

/**
 * What a daemon writes each iteration: which daemon, when, and its latest errors (shown by `runyard
 * instance info`).
 */
export interface DaemonHeartbeat {
  readonly daemonType: string;
  readonly daemonId: string;
  readonly timestamp: number;
  /** Errors from the latest iterations, newest first. */
  readonly errors: readonly ErrorInfo[];
}

/**
 * A daemon's lease: who holds it and until when. Only the holder acts; a standby takes over when it
 * expires.
 */
export interface Lease {
  readonly name: string;
  readonly holder: string;
  readonly expiresAt: number;
}

/** Daemon heartbeats and leases: a lease is held by one holder at a time, until it expires. */
export interface DaemonStorage {
  recordHeartbeat(heartbeat: DaemonHeartbeat): Promise<void>;
  getHeartbeats(): Promise<DaemonHeartbeat[]>;
  /**
   * Takes or renews the lease when it is free, expired, or already ours; a compare-and-swap, so two
   * contenders never both get it. Returns the lease as it stands afterwards and whether we hold it.
   */
  acquireLease(
    name: string,
    holder: string,
    ttlMs: number,
  ): Promise<{ readonly acquired: boolean; readonly lease: Lease }>;
  releaseLease(name: string, holder: string): Promise<boolean>;
  getLease(name: string): Promise<Lease | undefined>;
  /** Every lease whose name starts with `prefix`, expired ones included, by name. */
  listLeases(prefix: string): Promise<Lease[]>;
}
