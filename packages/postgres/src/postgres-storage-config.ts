/**
 * The `config` of `{ class: PostgresStorage, config }` in runyard.yaml, as the class receives it:
 * core has already replaced every `{ env: NAME }` with the variable's value and the schema
 * (postgres-storage-config-schema.ts) has turned strings from the environment into numbers and
 * booleans. Connection fields override the matching parts of `url`, so a URL without a password
 * can be combined with `password: { env: PGPASSWORD }`.
 */
export interface PostgresStorageConfig {
  /** `postgresql://user:password@host:port/database?sslmode=require&schema=runyard`. */
  readonly url?: string;
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
  readonly database?: string;
  /** true for TLS with certificate checks; an object to pass a CA or turn the checks off. */
  readonly ssl?: boolean | PostgresSslConfig;
  /** The schema Runyard's tables live in (created when missing). Default `public`. */
  readonly schema?: string;
  /** Connections in the pool, besides the one that LISTENs. Default 10. */
  readonly poolSize?: number;
  /** Apply pending migrations on open (default true). */
  readonly autoMigrate?: boolean;
  /** Shown in pg_stat_activity. Default `runyard`. */
  readonly applicationName?: string;
}

export interface PostgresSslConfig {
  readonly rejectUnauthorized?: boolean;
  /** PEM text of the CA that signed the server's certificate. */
  readonly ca?: string;
}

export const DEFAULT_SCHEMA = 'public';
export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_APPLICATION_NAME = 'runyard';

/** Unquoted-identifier syntax, so the name is safe in search_path and needs no quoting rules of its own. */
export const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
