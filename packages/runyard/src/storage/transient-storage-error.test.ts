import { connect, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadSqliteDriver } from './sqlite/sqlite-driver.js';
import { DEFAULT_STORAGE_RETRY, storageRetryDelayMs, withStorageRetry } from './storage-retry.js';
import { isTransientStorageError } from './transient-storage-error.js';

/** The error SQLite itself throws for `sql`, on a database prepared by `setup`. */
function sqliteError(setup: string, sql: string): unknown {
  const db = new (loadSqliteDriver().Database)(':memory:');
  try {
    db.exec(setup);
    db.exec(sql);
  } catch (error) {
    return error;
  } finally {
    db.close();
  }
  throw new Error(`no error from ${sql}`);
}

/** A real refused connection: a port that was just listened on and closed. */
async function refusedConnection(): Promise<unknown> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return new Promise((resolve) => connect(port, '127.0.0.1').on('error', resolve));
}

describe('isTransientStorageError', () => {
  it('says a full database (SQLITE_FULL) and a refused connection are transient', async () => {
    const full = sqliteError(
      'PRAGMA page_size = 1024; CREATE TABLE t (x BLOB); PRAGMA max_page_count = 4;',
      'INSERT INTO t VALUES (zeroblob(100000))',
    );
    expect((full as { code: string }).code).toBe('SQLITE_FULL');
    expect(isTransientStorageError(full)).toBe(true);
    const refused = await refusedConnection();
    expect((refused as { code: string }).code).toBe('ECONNREFUSED');
    expect(isTransientStorageError(refused)).toBe(true);
    expect(isTransientStorageError(new Error('wrapped', { cause: refused }))).toBe(true);
  });

  it('says a constraint, bad SQL and an error without a code are permanent', () => {
    const constraint = sqliteError(
      'CREATE TABLE t (x INTEGER PRIMARY KEY); INSERT INTO t VALUES (1);',
      'INSERT INTO t VALUES (1)',
    );
    expect((constraint as { code: string }).code).toMatch(/^SQLITE_CONSTRAINT/);
    expect(isTransientStorageError(constraint)).toBe(false);
    expect(isTransientStorageError(sqliteError('', 'SELEC 1'))).toBe(false);
    expect(isTransientStorageError(new TypeError('x is undefined'))).toBe(false);
    expect(isTransientStorageError(undefined)).toBe(false);
  });

  it('knows the PostgreSQL codes and node-postgres messages of a server going away', () => {
    const pg = (code: string) => Object.assign(new Error(`pg ${code}`), { code });
    for (const code of ['57P01', '57P03', '08006', '53100', '40001'])
      expect(isTransientStorageError(pg(code))).toBe(true);
    for (const code of ['23505', '42P01', '22021']) expect(isTransientStorageError(pg(code))).toBe(false);
    expect(isTransientStorageError(new Error('Connection terminated unexpectedly'))).toBe(true);
  });
});

describe('withStorageRetry', () => {
  it('waits longer after each failure, up to the cap', () => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const base = Math.min(1_000, 50 * 2 ** (attempt - 1));
      const delay = storageRetryDelayMs(attempt, DEFAULT_STORAGE_RETRY);
      expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.75));
      expect(delay).toBeLessThanOrEqual(Math.ceil(base * 1.25));
    }
  });

  it('tries a transient failure again and throws a permanent one at once', async () => {
    let calls = 0;
    const retried: number[] = [];
    const result = await withStorageRetry(
      async () => {
        if (++calls < 4) throw Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' });
        return 'stored';
      },
      { initialDelayMs: 1, onRetry: (_e, attempt) => retried.push(attempt) },
    );
    expect(result).toBe('stored');
    expect(retried).toEqual([1, 2, 3]);
    calls = 0;
    await expect(
      withStorageRetry(async () => {
        calls++;
        throw new Error('a bug');
      }),
    ).rejects.toThrow('a bug');
    expect(calls).toBe(1);
  });
});
