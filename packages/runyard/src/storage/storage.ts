import type { ComponentConfig } from '../instance/component-config.js';
import type { DaemonStorage } from './daemon-storage.js';
import type { EventLogStorage } from './event-log-storage.js';
import type { RunStorage } from './run-storage.js';
import type { ScheduleStorage } from './schedule-storage.js';

/** What `Storage.migrate()` did: the schema version before and after, and the migrations applied. */
export interface MigrationResult {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly string[];
}

/** What `Storage.info()` says: the kind, the location and the schema version. */
export interface StorageInfo {
  /** Class name as written in runyard.yaml. */
  readonly kind: string;
  /** Where the data is, with any password left out. */
  readonly location: string;
  readonly schemaVersion: number;
  readonly latestSchemaVersion: number;
}

/**
 * A storage backend is a factory of narrow parts, so each service depends on what it uses.
 * Every backend passes the conformance suite in `@runyard/testing`.
 */
export interface Storage {
  readonly runs: RunStorage;
  readonly events: EventLogStorage;
  readonly schedules: ScheduleStorage;
  readonly daemon: DaemonStorage;
  /** Applies pending schema migrations. Safe to call from several processes at once. */
  migrate(): Promise<MigrationResult>;
  info(): Promise<StorageInfo>;
  /**
   * Optional: a thorough check for damage that opening does not look for, because it reads the
   * whole store (SQLite: `PRAGMA quick_check`). Throws StorageUnusableError naming what it found.
   * `runyard instance info`, `instance migrate` and the daemon call it when present.
   */
  checkIntegrity?(): Promise<void>;
  /** The config that rebuilds this storage in another process (env references kept, not resolved). */
  toConfig(): ComponentConfig;
  /** Idempotent. */
  dispose(): Promise<void>;
}
