import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { StorageUnusableError } from '../storage-unusable-error.js';
import type { SqliteDatabase } from './sqlite-connection.js';
import { describe } from './sqlite-errors.js';

/**
 * Two checks of a SQLite file, a cheap one for every open and a thorough one for when it is worth
 * a full read.
 *
 * `checkSqliteHeader` reads the file's first 100 bytes, so every process (every run worker) can
 * afford it: it finds a file that is not a database, an overwritten header and a truncated file,
 * which SQLite itself only notices (as "database disk image is malformed") when a query happens to
 * read a missing page, or never.
 *
 * `quickCheckSqlite` is `PRAGMA quick_check`: it reads every page, so it also finds damage in the
 * middle of the file. That costs about 50 ms on a 38 MB database of 10,000 runs and grows with the
 * file, too much for each command and each run's startup, so `runyard instance info`, `instance
 * migrate` and the daemon run it; anything else that later reads a damaged page gets the same
 * message from the connection (see SqliteConnection).
 */

const HEADER_BYTES = 100;
const MAGIC = 'SQLite format 3\u0000';
const WAL_HEADER_BYTES = 32;
/** quick_check stops after this many problems: a few are enough to know the file is damaged. */
const QUICK_CHECK_MAX_ERRORS = 5;

/** Throws StorageUnusableError when `location` exists but is not a whole SQLite database. */
export function checkSqliteHeader(location: string): void {
  let fd: number;
  try {
    fd = openSync(location, 'r');
  } catch {
    // Missing (SQLite creates it) or unreadable: opening it explains that better than we could here.
    return;
  }
  try {
    const size = fstatSync(fd).size;
    // SQLite treats an empty file as a new database.
    if (size === 0) return;
    const header = Buffer.alloc(HEADER_BYTES);
    const read = readSync(fd, header, 0, HEADER_BYTES, 0);
    if (read < HEADER_BYTES || header.toString('latin1', 0, MAGIC.length) !== MAGIC) {
      const what = read < HEADER_BYTES ? `only ${size} bytes long` : 'no SQLite header at its start';
      throw unusable(location, 'not-a-database', what);
    }
    const pageSize = pageSizeOf(header);
    if (pageSize === undefined) throw unusable(location, 'not-a-database', 'the header gives no valid page size');
    const expected = expectedSize(header, pageSize);
    // With a write-ahead log holding frames, pages may live in the log rather than in the file.
    if (expected !== undefined && !walHasFrames(location) && size < expected) {
      throw unusable(location, 'damaged', `the file is truncated: its header says ${expected} bytes, it has ${size}`);
    }
  } finally {
    closeSync(fd);
  }
}

/** `PRAGMA quick_check` on an open database: throws StorageUnusableError naming what it found. */
export function quickCheckSqlite(db: SqliteDatabase, location: string): void {
  const rows = db.pragma(`quick_check(${QUICK_CHECK_MAX_ERRORS})`) as Array<{ quick_check: string }>;
  const problems = rows
    .flatMap((row) => row.quick_check.split('\n'))
    .filter((line) => line !== 'ok' && !/^\*\*\* in database \w+ \*\*\*$/.test(line));
  if (problems.length === 0) return;
  const count = problems.length >= QUICK_CHECK_MAX_ERRORS ? `${problems.length} or more` : String(problems.length);
  throw unusable(location, 'damaged', `PRAGMA quick_check found ${count} problems, the first: ${problems[0]}`);
}

function unusable(location: string, problem: 'damaged' | 'not-a-database', detail: string): StorageUnusableError {
  return new StorageUnusableError(location, problem, describe(problem, location, detail));
}

/** Offset 16, big-endian: a power of two from 512 to 32768, or 1 meaning 65536. */
function pageSizeOf(header: Buffer): number | undefined {
  const raw = header.readUInt16BE(16);
  const size = raw === 1 ? 65_536 : raw;
  return size >= 512 && size <= 65_536 && (size & (size - 1)) === 0 ? size : undefined;
}

/**
 * The size the header records (page count at offset 28), when it is valid: SQLite trusts it only
 * if the change counter (offset 24) equals the version-valid-for number (offset 92).
 */
function expectedSize(header: Buffer, pageSize: number): number | undefined {
  const pages = header.readUInt32BE(28);
  if (pages === 0 || header.readUInt32BE(24) !== header.readUInt32BE(92)) return undefined;
  return pages * pageSize;
}

function walHasFrames(location: string): boolean {
  // No exception for a missing log: this runs on every open.
  return (statSync(`${location}-wal`, { throwIfNoEntry: false })?.size ?? 0) > WAL_HEADER_BYTES;
}
