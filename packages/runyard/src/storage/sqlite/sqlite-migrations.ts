import { SchemaTooNewError } from '../../errors.js';
import type { MigrationResult } from '../storage.js';
import type { SqliteDatabase } from './sqlite-connection.js';

/**
 * Versioned schema migrations. The version lives in `PRAGMA user_version`: it is stored in the
 * database header and written inside the migrating transaction, so the schema and its version
 * can never disagree, and it is readable before any table exists.
 *
 * Migrations are append-only: never edit one that has shipped, add the next number instead.
 */
export interface SqliteMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'create-runs-events-schedules-daemon',
    sql: `
      -- An explicit integer key: rowids of tables without one may be renumbered by VACUUM, and
      -- listRuns needs a stable tie-breaker for runs created in the same millisecond.
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL UNIQUE,
        job_name TEXT NOT NULL,
        status TEXT NOT NULL,
        run_config TEXT NOT NULL,
        tags TEXT NOT NULL,
        origin TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        start_time INTEGER,
        end_time INTEGER,
        parent_run_id TEXT,
        root_run_id TEXT,
        worker TEXT,
        status_reason TEXT,
        worker_heartbeat_at INTEGER
      );
      CREATE INDEX runs_created ON runs (created_at DESC, id DESC);
      CREATE INDEX runs_status_created ON runs (status, created_at DESC, id DESC);
      CREATE INDEX runs_job_created ON runs (job_name, created_at DESC, id DESC);
      CREATE INDEX runs_root_run ON runs (root_run_id);

      -- Tags are duplicated here (the run row keeps them as JSON for reads) so filters use an index.
      CREATE TABLE run_tags (
        run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
      );
      CREATE INDEX run_tags_key_value ON run_tags (key, value, run_id);

      -- AUTOINCREMENT: ids are never reused, even after a run is deleted, so a watcher's afterId
      -- cursor never skips a new event.
      CREATE TABLE event_logs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL,
        type TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        level TEXT NOT NULL,
        step_key TEXT,
        message TEXT NOT NULL,
        data TEXT,
        error TEXT
      );
      CREATE INDEX event_logs_run ON event_logs (run_id, id);
      CREATE INDEX event_logs_run_step ON event_logs (run_id, step_key, id);

      CREATE TABLE schedule_states (
        name TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        last_tick_at INTEGER,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE schedule_ticks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        schedule_name TEXT NOT NULL,
        tick_at INTEGER NOT NULL,
        status TEXT NOT NULL,
        run_ids TEXT NOT NULL,
        skip_reason TEXT,
        error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (schedule_name, tick_at)
      );

      CREATE TABLE daemon_heartbeats (
        daemon_type TEXT PRIMARY KEY,
        daemon_id TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        errors TEXT NOT NULL
      );

      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'schedule-code-location-and-event-types',
    sql: `
      -- The code location a running schedule was started from, so the scheduler can load it.
      ALTER TABLE schedule_states ADD COLUMN code_location TEXT;

      -- Watchers that follow one event type across every run (the retry daemon reads RUN_FAILURE
      -- from its cursor) read a range of this index instead of the whole log.
      CREATE INDEX event_logs_type ON event_logs (type, id);
    `,
  },
];

export const LATEST_SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

export function readSchemaVersion(db: SqliteDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies the pending migrations. The caller runs this inside a BEGIN IMMEDIATE transaction: the
 * version is read again under the write lock, so when several processes open a fresh file at once,
 * the first migrates and the others find nothing left to do.
 */
export function applyPendingMigrations(db: SqliteDatabase, location: string): MigrationResult {
  const from = readSchemaVersion(db);
  if (from > LATEST_SQLITE_SCHEMA_VERSION) throw new SchemaTooNewError(location, from, LATEST_SQLITE_SCHEMA_VERSION);
  const applied: string[] = [];
  for (const migration of SQLITE_MIGRATIONS) {
    if (migration.version <= from) continue;
    db.exec(migration.sql);
    // PRAGMA takes no bound parameters; the version is a number from our own list.
    db.pragma(`user_version = ${Math.trunc(migration.version)}`);
    applied.push(migration.name);
  }
  return { from, to: readSchemaVersion(db), applied };
}
