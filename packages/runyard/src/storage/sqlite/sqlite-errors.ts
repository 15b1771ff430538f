import { accessSync, constants, existsSync, statfsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { type StorageProblem, StorageUnusableError } from '../storage-unusable-error.js';

/**
 * Turns what SQLite (or the file system under it) threw into a message that names the database
 * file, says what is wrong with it and what to do. SQLite's own words ("unable to open database
 * file", "disk I/O error") rarely say which of several causes it is, so the file and its directory
 * are looked at to tell them apart. Errors that are not about the file (a busy lock, a constraint,
 * a bug) come back unchanged.
 */
export function toSqliteStorageError(error: unknown, location: string): unknown {
  if (error instanceof StorageUnusableError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error;
  const problem = classify(code, location);
  if (!problem) return error;
  const detail = `${code}: ${(error as Error).message}`;
  return new StorageUnusableError(location, problem, describe(problem, location, detail), { cause: error, code });
}

function classify(code: string, location: string): StorageProblem | undefined {
  if (code.startsWith('SQLITE_CORRUPT')) return 'damaged';
  if (code === 'SQLITE_NOTADB') return 'not-a-database';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return 'no-space';
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS') return 'read-only';
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code === 'EACCES' || code === 'EPERM')
    return isWritable(location) ? 'cannot-open' : 'read-only';
  // A full disk often shows up as an I/O error (growing the -shm file fails with SQLITE_IOERR_SHMSIZE).
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') return freeBytes(location) === 0 ? 'no-space' : 'io-error';
  return undefined;
}

const STOP_FIRST = 'stop every runyard process using it first';

/** The message for `problem`: what is wrong with which file, then what to do about it. */
export function describe(problem: StorageProblem, location: string, detail: string): string {
  const file = location;
  const dir = dirname(location);
  const wal = `${basename(location)}-wal and ${basename(location)}-shm`;
  switch (problem) {
    case 'damaged':
      return `the database ${file} is damaged (${detail}); restore it from a backup (${STOP_FIRST}), or move it away to start an empty instance; \`sqlite3 ${file} .recover\` can save what is still readable`;
    case 'not-a-database':
      return `${file} is not a SQLite database, or its header is overwritten (${detail}); check the storage path in runyard.yaml, restore the file from a backup (${STOP_FIRST}), or move it away to start an empty instance`;
    case 'no-space':
      return `cannot write the database ${file}: the disk is full (${detail}); free space on the file system of ${dir} and try again`;
    case 'read-only': {
      const remedy =
        accessCode(dir) === 'EROFS'
          ? 'remount it read-write, or move the instance to a writable file system'
          : `fix the permissions: runyard needs to write the file and its directory, where SQLite keeps ${wal}`;
      return `cannot write the database ${file}: ${whatIsReadOnly(location)} (${detail}); ${remedy}`;
    }
    case 'cannot-open':
      return `cannot open the database ${file} (${detail}); check that ${dir} exists and that runyard may read and write it`;
    case 'io-error':
      return `cannot read or write the database ${file}: the disk reported an I/O error (${detail}); check the disk and free space, then run \`runyard instance info\` to check the file`;
    default:
      return `the database ${file} cannot be used (${detail})`;
  }
}

function whatIsReadOnly(location: string): string {
  const dir = dirname(location);
  if (accessCode(dir) === 'EROFS') return `it is on a read-only file system`;
  if (existsSync(location) && accessCode(location) !== undefined) return `the file is read-only`;
  if (accessCode(dir) !== undefined) return `its directory ${dir} is read-only`;
  return 'it is read-only';
}

function isWritable(location: string): boolean {
  if (location === ':memory:') return true;
  const dir = dirname(location);
  if (accessCode(dir) !== undefined) return false;
  return !existsSync(location) || accessCode(location) === undefined;
}

/** Why `path` cannot be read and written, or undefined when it can. */
function accessCode(path: string): string | undefined {
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'EACCES';
  }
}

/** Bytes an unprivileged writer may still use where the file lives; undefined when unknown. */
function freeBytes(location: string): number | undefined {
  if (location === ':memory:') return undefined;
  try {
    const stats = statfsSync(dirname(location));
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}
