import {
  type ComponentConfig,
  type ComponentContext,
  type DaemonStorage,
  type MigrationResult,
  type RunStorage,
  RunyardError,
  type ScheduleStorage,
  SchemaTooNewError,
  SchemaTooOldError,
  type Storage,
  type StorageInfo,
} from 'runyard';
import { connectionSettings } from './postgres-connection-settings.js';
import { PostgresDaemonStorage } from './postgres-daemon-storage.js';
import { PostgresDatabase } from './postgres-database.js';
import { PostgresEventLogStorage } from './postgres-event-log-storage.js';
import { PostgresEventNotifier } from './postgres-event-notifier.js';
import { applyPendingMigrations, LATEST_POSTGRES_SCHEMA_VERSION, readSchemaVersion } from './postgres-migrations.js';
import { describeError, postgresOpenError } from './postgres-open-error.js';
import { PostgresRunStorage } from './postgres-run-storage.js';
import { PostgresScheduleStorage } from './postgres-schedule-storage.js';
import type { PostgresStorageConfig } from './postgres-storage-config.js';
import { postgresStorageConfigSchema } from './postgres-storage-config-schema.js';
import { type PostgresStorageOptions, resolveOptions } from './postgres-storage-options.js';

const CLASS_NAME = 'PostgresStorage';

/**
 * Storage in a PostgreSQL database, shared by every process of an instance: run workers on other
 * machines, several daemons, the UI. Status changes are compare-and-swap UPDATEs, writes that
 * span tables are transactions, and stored events are announced with NOTIFY.
 *
 * Built by core from runyard.yaml as `new PostgresStorage(config, ctx)` and then `init()`; in code,
 * `PostgresStorage.open(options)` does both.
 */
export class PostgresStorage implements Storage {
  /** Validates the `config` of `{ class: PostgresStorage, config }`, after env references are resolved. */
  static readonly configSchema = postgresStorageConfigSchema;

  readonly runs: RunStorage;
  /** Has `onEventsStored`: the push that SQLite lacks. */
  readonly events: PostgresEventLogStorage;
  readonly schedules: ScheduleStorage;
  readonly daemon: DaemonStorage;
  readonly #db: PostgresDatabase;
  readonly #notifier: PostgresEventNotifier;
  readonly #raw: ComponentConfig;
  #schemaChecked: Promise<void> | undefined;
  #migrationOnOpen: MigrationResult = { from: 0, to: 0, applied: [] };
  #disposing: Promise<void> | undefined;

  /**
   * `config` is validated and has its env references resolved; `ctx.raw` is the same component as
   * written, which is what `toConfig()` gives back, so that secrets stay references.
   */
  constructor(config: PostgresStorageConfig, ctx?: Pick<ComponentContext, 'raw'>) {
    this.#raw = ctx?.raw ?? { class: CLASS_NAME, config: { ...config } };
    this.#db = new PostgresDatabase(connectionSettings(config));
    this.#notifier = new PostgresEventNotifier(this.#db);
    this.runs = new PostgresRunStorage(this.#db);
    this.events = new PostgresEventLogStorage(this.#db, this.#notifier);
    this.schedules = new PostgresScheduleStorage(this.#db);
    this.daemon = new PostgresDaemonStorage(this.#db);
    // Until the schema is known to be usable, every table access checks it first.
    this.#db.setSchemaGate(() => this.#checkSchema());
  }

  /**
   * Opens the storage: connects, refuses a schema newer than this code, and migrates an older one
   * (unless `autoMigrate: false`: then the tables stay untouched, and every call but `migrate()`
   * and `info()` fails with SchemaTooOldError until someone runs `runyard instance migrate`).
   *
   *   const storage = await PostgresStorage.open({ url: { env: 'DATABASE_URL' }, schema: 'runyard' });
   */
  static async open(options: PostgresStorageOptions): Promise<PostgresStorage> {
    const { config, raw } = resolveOptions(options);
    const storage = new PostgresStorage(config, { raw: { class: CLASS_NAME, config: raw } });
    await storage.init();
    return storage;
  }

  /** Connects and checks (or migrates) the schema; connection failures say where, never the password. */
  async init(): Promise<void> {
    try {
      await this.#checkSchema({ tolerateOld: true });
    } catch (error) {
      await this.dispose();
      if (error instanceof RunyardError) throw error;
      const scrubbed = this.#db.scrub(error);
      const explained = postgresOpenError(scrubbed, this.#db.settings);
      if (explained) throw explained;
      throw new RunyardError(`cannot open PostgreSQL storage at ${this.#db.location}: ${describeError(scrubbed)}`, {
        cause: scrubbed,
        userError: true,
        data: { location: this.#db.location, code: (scrubbed as { code?: unknown }).code ?? null },
      });
    }
  }

  /** What opening found and applied; `runyard instance migrate` after an auto-migrating open finds nothing to do. */
  get migrationOnOpen(): MigrationResult {
    return this.#migrationOnOpen;
  }

  async migrate(): Promise<MigrationResult> {
    const result = await applyPendingMigrations(this.#db);
    this.#db.setSchemaGate(null);
    this.#schemaChecked = Promise.resolve();
    return result;
  }

  async info(): Promise<StorageInfo> {
    return {
      kind: CLASS_NAME,
      location: this.#db.location,
      schemaVersion: await readSchemaVersion({ query: (sql, params) => this.#db.rawQuery(sql, params) }),
      latestSchemaVersion: LATEST_POSTGRES_SCHEMA_VERSION,
    };
  }

  /** The component as written in runyard.yaml (or given to `open`): env references kept, never resolved. */
  toConfig(): ComponentConfig {
    return JSON.parse(JSON.stringify(this.#raw)) as ComponentConfig;
  }

  /** Idempotent: closes the LISTEN connection and the pool. */
  dispose(): Promise<void> {
    this.#disposing ??= (async () => {
      await this.#notifier.close();
      await this.#db.close();
    })();
    return this.#disposing;
  }

  /**
   * The schema check, shared by concurrent callers and remembered once it passes. A failure is not
   * remembered: the server may come back, or another process may migrate.
   */
  #checkSchema(options: { readonly tolerateOld?: boolean } = {}): Promise<void> {
    this.#schemaChecked ??= this.#readAndMigrate().catch((error: unknown) => {
      this.#schemaChecked = undefined;
      throw error;
    });
    return options.tolerateOld
      ? this.#schemaChecked.catch((error: unknown) => {
          if ((error as { name?: unknown }).name !== 'SchemaTooOldError') throw error;
        })
      : this.#schemaChecked;
  }

  async #readAndMigrate(): Promise<void> {
    const location = this.#db.location;
    const found = await readSchemaVersion({ query: (sql, params) => this.#db.rawQuery(sql, params) });
    if (found > LATEST_POSTGRES_SCHEMA_VERSION) {
      throw new SchemaTooNewError(location, found, LATEST_POSTGRES_SCHEMA_VERSION);
    }
    this.#migrationOnOpen = { from: found, to: found, applied: [] };
    if (found < LATEST_POSTGRES_SCHEMA_VERSION) {
      if (!this.#db.settings.autoMigrate) throw new SchemaTooOldError(location, found, LATEST_POSTGRES_SCHEMA_VERSION);
      this.#migrationOnOpen = await applyPendingMigrations(this.#db);
    }
    this.#db.setSchemaGate(null);
  }
}
