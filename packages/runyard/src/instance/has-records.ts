import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_SQLITE_PATH } from '../storage/sqlite/sqlite-storage-config.js';
import { readInstanceConfig } from './instance-config-file.js';

/**
 * False when the instance at `home` cannot have recorded anything: the home does not exist, or its
 * storage is a SQLite file that does not exist yet. Any other storage (a database server) may hold
 * runs whatever the local disk says, so it counts as having records.
 */
export async function hasRecords(home: string): Promise<boolean> {
  if (!(await exists(home))) return false;
  const { config } = await readInstanceConfig(home);
  if (config.storage.class !== 'SqliteStorage' || config.storage.module !== undefined) return true;
  const file = (config.storage.config as { path?: unknown } | undefined)?.path;
  const dbPath = typeof file === 'string' ? file : DEFAULT_SQLITE_PATH;
  if (dbPath === ':memory:') return true;
  return exists(path.resolve(home, dbPath));
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
