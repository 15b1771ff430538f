import { z } from 'zod';
import { DEFAULT_SQLITE_PATH, type SqliteStorageConfig } from './sqlite-storage-config.js';

/**
 * SqliteStorage's config schema, in a module of its own so that zod is loaded only when config is
 * validated (`SqliteStorage.loadConfigSchema()`), not whenever storage is opened. `satisfies`
 * keeps SqliteStorageConfig, which the rest of Runyard sees, what the schema gives.
 */
export const sqliteStorageConfigSchema = z
  .object({
    /** Relative to RUNYARD_HOME. */
    path: z.string().min(1).default(DEFAULT_SQLITE_PATH),
  })
  .strict() satisfies z.ZodType<SqliteStorageConfig>;

export type SqliteStorageConfigSchema = typeof sqliteStorageConfigSchema;
