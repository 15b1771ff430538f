import type BetterSqlite3 from 'better-sqlite3';
import { RunyardError } from '../../errors.js';
import { retryOnBusy } from './sqlite-busy.js';
import { toSqliteStorageError } from './sqlite-errors.js';

export type SqliteDatabase = BetterSqlite3.Database;
export type SqliteStatement = BetterSqlite3.Statement<unknown[], unknown>;

const STATEMENT_CACHE_SIZE = 200;

/**
 * The one better-sqlite3 handle that every storage part shares. It owns the invariants the parts
 * would otherwise each repeat: writes are IMMEDIATE transactions retried on SQLITE_BUSY, prepared
 * statements are reused, and nothing runs after `close()`.
 */
export class SqliteConnection {
  readonly #db: SqliteDatabase;
  readonly #location: string;
  readonly #statements = new Map<string, SqliteStatement>();
  #closed = false;

  constructor(db: SqliteDatabase, location: string) {
    this.#db = db;
    this.#location = location;
  }

  get location(): string {
    return this.#location;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The raw handle, for migrations and pragmas. */
  get db(): SqliteDatabase {
    this.#assertOpen();
    return this.#db;
  }

  /**
   * A cached prepared statement: the parts issue the same few statements many times over. Filters
   * build SQL with a varying number of placeholders, so the cache is bounded (least recently used out).
   */
  statement(sql: string): SqliteStatement {
    this.#assertOpen();
    let stmt = this.#statements.get(sql);
    if (stmt) {
      this.#statements.delete(sql);
    } else {
      stmt = this.#db.prepare(sql);
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.#statements.keys().next();
        if (!oldest.done) this.#statements.delete(oldest.value);
      }
    }
    this.#statements.set(sql, stmt);
    return stmt;
  }

  /**
   * Runs `work` in a BEGIN IMMEDIATE transaction: taking the write lock up front means a reader
   * never has to upgrade to a writer mid-transaction, which is the one SQLITE_BUSY the busy
   * handler cannot wait out.
   */
  write<T>(work: () => T): Promise<T> {
    return this.#explained(retryOnBusy(() => this.db.transaction(work).immediate()));
  }

  /** Reads need no transaction in WAL mode, but can still meet a transient SQLITE_BUSY_RECOVERY. */
  read<T>(work: () => T): Promise<T> {
    return this.#explained(
      retryOnBusy(() => {
        this.#assertOpen();
        return work();
      }),
    );
  }

  /** Idempotent; false when it was already closed. */
  close(): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    this.#statements.clear();
    this.#db.close();
    return true;
  }

  /**
   * A damaged page, a full disk or a file made read-only is found by whichever query meets it, long
   * after open: it gets the same message as at open, naming the file and what to do.
   */
  async #explained<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      throw toSqliteStorageError(error, this.#location);
    }
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new RunyardError(`SqliteStorage at ${this.#location} is disposed; open a new storage to use it again`, {
        data: { location: this.#location },
      });
    }
  }
}
