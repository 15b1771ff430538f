/**
 * Is this storage error one that goes away by itself (the server restarting, the disk full for a
 * moment, a lock held by another process), so that the same write, tried again later, may succeed?
 * Or is it permanent (a bug, a constraint, a disposed storage), so that trying again only hides it?
 *
 *   if (isTransientStorageError(error)) await sleep(backoff); else throw error;
 *
 * One classifier for every storage: it reads only the `code` and `message` that the drivers put on
 * their errors (Node's socket errors, PostgreSQL's SQLSTATE, SQLite's result codes), so core needs
 * no driver to know them. The cause chain is followed, for errors that a storage wraps.
 */
export function isTransientStorageError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    const record = e as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
    if (typeof record.code === 'string' && isTransientCode(record.code)) return true;
    if (typeof record.message === 'string' && TRANSIENT_MESSAGES.some((m) => m.test(record.message as string)))
      return true;
    // Node reports a refused connection to a name with several addresses as an AggregateError.
    if (Array.isArray(record.errors) && record.errors.some((inner) => isTransientStorageError(inner))) return true;
    e = record.cause;
  }
  return false;
}

function isTransientCode(code: string): boolean {
  if (SOCKET_CODES.has(code)) return true;
  // PostgreSQL SQLSTATE: class 08 connection exception, 53 insufficient resources (disk full, out of
  // memory, too many connections), 57P01-57P03 the server shutting down, crashed or starting,
  // 40001/40P01 serialization failure and deadlock (the transaction was rolled back whole).
  if (/^08[0-9A-Z]{3}$/.test(code) || /^53[0-9A-Z]{3}$/.test(code)) return true;
  if (code === '57P01' || code === '57P02' || code === '57P03' || code === '40001' || code === '40P01') return true;
  // SQLite, with the extended codes (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT…): a full disk, a
  // failed read or write, a lock held elsewhere. SQLITE_CORRUPT, SQLITE_CONSTRAINT, SQLITE_ERROR
  // (bad SQL) and SQLITE_READONLY (permissions) are not: they stay until somebody acts.
  return SQLITE_PREFIXES.some((prefix) => code === prefix || code.startsWith(`${prefix}_`));
}

const SOCKET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOSPC',
]);

const SQLITE_PREFIXES = ['SQLITE_FULL', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR', 'SQLITE_PROTOCOL'];

// node-postgres says these without a code when the socket closes under it or the pool cannot connect.
const TRANSIENT_MESSAGES = [
  /^Connection terminated/,
  /^Client has encountered a connection error and is not queryable/,
  /^timeout exceeded when trying to connect/,
  /^Connection is closed/,
  /^the database system is (starting up|shutting down|in recovery mode)/,
];
