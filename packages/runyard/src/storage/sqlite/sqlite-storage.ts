import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SchemaTooNewError, SchemaTooOldError } from '../../errors.js';
import type { ComponentConfig } from '../../instance/component-config.js';
import type { DaemonStorage } from '../daemon-storage.js';
import type { EventLogStorage } from '../event-log-storage.js';
import type { RunStorage } from '../run-storage.js';
import type { ScheduleStorage } from '../schedule-storage.js';
import type { MigrationResult, Storage, StorageInfo } from '../storage.js';
import { retryOnBusy } from './sqlite-busy.js';
import { SqliteConnection } from './sqlite-connection.js';
import { SqliteDaemonStorage } from './sqlite-daemon-storage.js';
import { loadSqliteDriver } from './sqlite-driver.js';
import { toSqliteStorageError } from './sqlite-errors.js';
import { SqliteEventLogStorage } from './sqlite-event-log-storage.js';
import { checkSqliteHeader, quickCheckSqlite } from './sqlite-file-check.js';
import { applyPendingMigrations, LATEST_SQLITE_SCHEMA_VERSION, readSchemaVersion } from './sqlite-migrations.js';
import { SqliteRunStorage } from './sqlite-run-storage.js';
import { SqliteScheduleStorage } from './sqlite-schedule-storage.js';
import type { SqliteStorageConfigSchema } from './sqlite-storage-config-schema.js';

export { DEFAULT_SQLITE_PATH, type SqliteStorageConfig } from './sqlite-storage-config.js';

const MEMORY = ':memory:';
const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

/** Options of `SqliteStorage.open()`: the database file (or `:memory:`). */
export interface SqliteStorageOptions {
  /** Absolute file path, or ':memory:'. The directory is created when missing. */
  readonly path: string;
  /** Apply pending migrations on open (default true). */
  readonly autoMigrate?: boolean;
  /** How long a write waits for another process's lock before SQLITE_BUSY (default 10 000 ms). */
  readonly busyTimeoutMs?: number;
}

/**
 * Storage in one SQLite file, shared by every process of an instance (run workers, the daemon,
 * the UI). WAL lets readers run beside the single writer; every write is a short IMMEDIATE
 * transaction, so writers queue on the busy timeout instead of failing.
 *
 *   const storage = await SqliteStorage.open({ path: '/srv/runyard/runyard.db' });
 *   const run = await storage.runs.createRun({ jobName: 'hello', origin: { codeLocation: './defs.ts', source: 'cli' } });
 *   await storage.dispose();
 */
export class SqliteStorage implements Storage {
  /**
   * The zod schema of the `config` of `{ class: 'SqliteStorage', config }` in runyard.yaml. It is
   * loaded on demand so that opening storage (every run worker does) never loads zod.
   *
   *   const schema = await SqliteStorage.loadConfigSchema();
   *   schema.parse({}); // { path: 'runyard.db' }
   */
  static async loadConfigSchema(): Promise<SqliteStorageConfigSchema> {
    return (await import('./sqlite-storage-config-schema.js')).sqliteStorageConfigSchema;
  }

  readonly runs: RunStorage;
  readonly events: EventLogStorage;
  readonly schedules: ScheduleStorage;
  readonly daemon: DaemonStorage;
  readonly #conn: SqliteConnection;
  #migrationOnOpen: MigrationResult = { from: 0, to: 0, applied: [] };

  private constructor(conn: SqliteConnection) {
    this.#conn = conn;
    this.runs = new SqliteRunStorage(conn);
    this.events = new SqliteEventLogStorage(conn);
    this.schedules = new SqliteScheduleStorage(conn);
    this.daemon = new SqliteDaemonStorage(conn);
  }

  /**
   * Opens (creating when missing) and migrates. A file that cannot be used (damaged, not a
   * database, read-only, on a full disk) fails with StorageUnusableError, which names the file,
   * what is wrong and what to do.
   */
  static async open(options: SqliteStorageOptions): Promise<SqliteStorage> {
    const location = options.path === MEMORY ? MEMORY : resolve(options.path);
    try {
      if (location !== MEMORY) {
        mkdirSync(dirname(location), { recursive: true });
        checkSqliteHeader(location);
      }
      return await SqliteStorage.#open(location, options);
    } catch (error) {
      throw toSqliteStorageError(error, location);
    }
  }

  static async #open(location: string, options: SqliteStorageOptions): Promise<SqliteStorage> {
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    // Loaded here, not at the top, so that importing runyard does not load a native addon for
    // users whose storage is elsewhere.
    const { Database } = loadSqliteDriver();
    // `timeout` is better-sqlite3's name for PRAGMA busy_timeout.
    const conn = new SqliteConnection(new Database(location, { timeout: busyTimeoutMs }), location);
    try {
      await configure(conn);
      const storage = new SqliteStorage(conn);
      await storage.#checkSchema(options.autoMigrate ?? true);
      return storage;
    } catch (error) {
      conn.close();
      throw error;
    }
  }

  /**
   * What `open` found and applied. Opening migrates, so a later `migrate()` finds nothing to do;
   * this is how `runyard instance migrate` can still say what it changed.
   */
  get migrationOnOpen(): MigrationResult {
    return this.#migrationOnOpen;
  }

  async migrate(): Promise<MigrationResult> {
    return this.#conn.write(() => applyPendingMigrations(this.#conn.db, this.#conn.location));
  }

  async info(): Promise<StorageInfo> {
    const schemaVersion = await this.#conn.read(() => readSchemaVersion(this.#conn.db));
    return {
      kind: 'SqliteStorage',
      location: this.#conn.location,
      schemaVersion,
      latestSchemaVersion: LATEST_SQLITE_SCHEMA_VERSION,
    };
  }

  /**
   * `PRAGMA quick_check`: reads every page, so it finds damage anywhere in the file (opening only
   * looks at the header). About 50 ms for 10,000 runs, growing with the file.
   */
  async checkIntegrity(): Promise<void> {
    await this.#conn.read(() => quickCheckSqlite(this.#conn.db, this.#conn.location));
  }

  toConfig(): ComponentConfig {
    return { class: 'SqliteStorage', config: { path: this.#conn.location } };
  }

  async dispose(): Promise<void> {
    this.#conn.close();
  }

  async #checkSchema(autoMigrate: boolean): Promise<void> {
    const found = await this.#conn.read(() => readSchemaVersion(this.#conn.db));
    if (found > LATEST_SQLITE_SCHEMA_VERSION) {
      throw new SchemaTooNewError(this.#conn.location, found, LATEST_SQLITE_SCHEMA_VERSION);
    }
    this.#migrationOnOpen = { from: found, to: found, applied: [] };
    if (found === LATEST_SQLITE_SCHEMA_VERSION) return;
    if (!autoMigrate) throw new SchemaTooOldError(this.#conn.location, found, LATEST_SQLITE_SCHEMA_VERSION);
    this.#migrationOnOpen = await this.migrate();
  }
}

async function configure(conn: SqliteConnection): Promise<void> {
  const db = conn.db;
  // Switching a fresh file to WAL takes an exclusive lock; when two processes open the same new
  // file at once, one of them can get SQLITE_BUSY without the busy handler being consulted.
  await retryOnBusy(() => db.pragma('journal_mode = WAL'));
  // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the last
  // commits, and it never corrupts the file.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
}
