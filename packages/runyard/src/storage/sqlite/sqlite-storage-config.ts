/**
 * The `config` of `{ class: 'SqliteStorage', config }` in runyard.yaml, and its default. Kept apart
 * from the schema (sqlite-storage-config-schema.ts) so that knowing the default never loads zod.
 */
export interface SqliteStorageConfig {
  /** The database file, relative to RUNYARD_HOME, or ':memory:'. Default DEFAULT_SQLITE_PATH. */
  readonly path: string;
}

export const DEFAULT_SQLITE_PATH = 'runyard.db';
