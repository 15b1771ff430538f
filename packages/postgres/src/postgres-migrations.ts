import { type MigrationResult, SchemaTooNewError } from 'runyard';
import type { PostgresDatabase, Queryable } from './postgres-database.js';
import { advisoryLockKey, LOCK_CLASS } from './postgres-locks.js';

/**
 * Versioned schema migrations. Each applied migration is a row of `runyard_migrations`, written in
 * the transaction that applies it; PostgreSQL's DDL is transactional, so the tables and the
 * recorded version can never disagree, and a migration that fails leaves nothing half-done.
 *
 * Append-only: never edit a migration that has shipped, add the next number instead.
 */
export interface PostgresMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'create-runs-events-schedules-daemon',
    sql: `
      -- run_id is compared byte-wise (COLLATE "C") so that a prefix search (people paste the first
      -- characters of an id) is a range of the unique index rather than a scan.
      CREATE TABLE runs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id text COLLATE "C" NOT NULL UNIQUE,
        job_name text NOT NULL,
        status text NOT NULL,
        -- json, not jsonb, where the document is the user's: it keeps their key order.
        run_config json NOT NULL,
        -- jsonb so that a tag update merges in the UPDATE itself (tags || patch), with no lost update.
        tags jsonb NOT NULL,
        origin json NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        start_time bigint,
        end_time bigint,
        parent_run_id text,
        root_run_id text,
        worker json,
        status_reason text,
        worker_heartbeat_at bigint
      );
      CREATE INDEX runs_created ON runs (created_at DESC, id DESC);
      CREATE INDEX runs_status_created ON runs (status, created_at DESC, id DESC);
      CREATE INDEX runs_job_created ON runs (job_name, created_at DESC, id DESC);
      CREATE INDEX runs_root_run ON runs (root_run_id);

      -- Tags again, one row each, so that tag filters use an index.
      CREATE TABLE run_tags (
        run_id text COLLATE "C" NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
        key text NOT NULL,
        value text NOT NULL,
        PRIMARY KEY (run_id, key)
      );
      CREATE INDEX run_tags_key_value ON run_tags (key, value, run_id);

      -- No foreign key to runs: events of a deleted run are deleted with it, and a writer must
      -- never wait on a run row's lock to append to the log.
      CREATE TABLE event_logs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id text COLLATE "C" NOT NULL,
        type text NOT NULL,
        event_time bigint NOT NULL,
        level text NOT NULL,
        step_key text,
        message text NOT NULL,
        data json,
        error json
      );
      CREATE INDEX event_logs_run ON event_logs (run_id, id);
      CREATE INDEX event_logs_run_step ON event_logs (run_id, step_key, id);
      CREATE INDEX event_logs_type ON event_logs (type, id);

      CREATE TABLE schedule_states (
        name text PRIMARY KEY,
        status text NOT NULL,
        last_tick_at bigint,
        code_location text,
        updated_at bigint NOT NULL
      );

      CREATE TABLE schedule_ticks (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        schedule_name text NOT NULL,
        tick_at bigint NOT NULL,
        status text NOT NULL,
        run_ids json NOT NULL,
        skip_reason text,
        error text,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        UNIQUE (schedule_name, tick_at)
      );

      CREATE TABLE daemon_heartbeats (
        daemon_type text PRIMARY KEY,
        daemon_id text NOT NULL,
        "timestamp" bigint NOT NULL,
        errors json NOT NULL
      );

      CREATE TABLE leases (
        name text PRIMARY KEY,
        holder text NOT NULL,
        expires_at bigint NOT NULL
      );
    `,
  },
];

export const LATEST_POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS runyard_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at bigint NOT NULL
  )`;

/** The schema's version: 0 when the schema, or the migrations table in it, does not exist yet. */
export async function readSchemaVersion(db: Queryable): Promise<number> {
  // to_regclass follows search_path, which is the configured schema alone. Two statements: a
  // query that names a missing table fails when it is parsed, whatever a CASE around it says.
  const [found] = await db.query<{ name: string | null }>("SELECT to_regclass('runyard_migrations')::text AS name");
  if (!found?.name) return 0;
  const [row] = await db.query<{ version: number | null }>('SELECT MAX(version) AS version FROM runyard_migrations');
  return row?.version ?? 0;
}

/**
 * Applies the pending migrations in one transaction that holds an advisory lock for this schema:
 * when several processes open a fresh database at once, the first migrates, and the others wait
 * for it, then read the new version and find nothing left to do.
 */
export async function applyPendingMigrations(db: PostgresDatabase): Promise<MigrationResult> {
  const { schema, location } = db.settings;
  return db.rawTransaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS.migrate, advisoryLockKey(schema)]);
    // Checked before creating, so that a role without CREATE on the database can use a schema
    // that an administrator made for it.
    const [exists] = await tx.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (!exists) await tx.query(`CREATE SCHEMA "${schema}"`);
    const from = await readSchemaVersion(tx);
    if (from > LATEST_POSTGRES_SCHEMA_VERSION)
      throw new SchemaTooNewError(location, from, LATEST_POSTGRES_SCHEMA_VERSION);
    const applied: string[] = [];
    if (from === LATEST_POSTGRES_SCHEMA_VERSION) return { from, to: from, applied };
    await tx.query(CREATE_MIGRATIONS_TABLE);
    for (const migration of POSTGRES_MIGRATIONS) {
      if (migration.version <= from) continue;
      await tx.query(migration.sql);
      await tx.query('INSERT INTO runyard_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        Date.now(),
      ]);
      applied.push(migration.name);
    }
    return { from, to: await readSchemaVersion(tx), applied };
  });
}
