import { RunyardError } from '../errors.js';

/**
 * What is wrong with a store, in words a person can act on. Each has its remedy in the message:
 * restore from a backup, free space, fix permissions, start the server, fix the credentials.
 */
export type StorageProblem =
  /** The file (or the server's data) is damaged: pages unreadable, truncated, failed integrity check. */
  | 'damaged'
  /** The file is not a SQLite database, or its header is overwritten. */
  | 'not-a-database'
  /** The file, its directory or its file system cannot be written. */
  | 'read-only'
  /** The file or its directory cannot be opened or read at all. */
  | 'cannot-open'
  | 'no-space'
  /** The operating system reported an I/O error. */
  | 'io-error'
  /** The database server cannot be reached (refused, unknown host, timeout). */
  | 'unreachable'
  /** The server refused the credentials or the user lacks a privilege. */
  | 'access-denied'
  /** The server has no such database. */
  | 'no-database';

/**
 * Storage that cannot be used as it is: a damaged or unreadable SQLite file, a full disk, a
 * PostgreSQL server that is unreachable or refuses us. The message names the store (a file path,
 * or host, port and database without the password), says what is wrong and what to do. The CLI
 * prints it alone, with no stack trace, and exits 2; the HTTP API answers 503.
 *
 * `code` keeps the driver's code (SQLITE_FULL, ECONNREFUSED, 28P01 …) so that code that retries
 * on some of them (a full disk may be freed, a server restarted) still recognises them.
 */
export class StorageUnusableError extends RunyardError {
  readonly location: string;
  readonly problem: StorageProblem;
  readonly code: string | undefined;

  constructor(
    location: string,
    problem: StorageProblem,
    message: string,
    options: { readonly cause?: unknown; readonly code?: string } = {},
  ) {
    super(message, {
      cause: options.cause,
      data: { location, problem, ...(options.code === undefined ? {} : { code: options.code }) },
    });
    this.location = location;
    this.problem = problem;
    this.code = options.code;
  }
}

/**
 * The StorageUnusableError in `error` or its cause chain, if any. By name, so that one thrown by
 * another copy of Runyard (a plug-in's own dependency) is recognised too.
 */
export function findStorageUnusableError(error: unknown): (Error & { readonly problem?: string }) | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e.name === 'StorageUnusableError') return e;
  }
  return undefined;
}
