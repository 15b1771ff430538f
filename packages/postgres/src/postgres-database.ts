import pg, { type Client, type ClientConfig, type Pool, type PoolClient } from 'pg';
import { RunyardError } from 'runyard';
import type { ConnectionSettings } from './postgres-connection-settings.js';
import { SecretScrubber } from './postgres-secrets.js';

/** What the storage parts issue statements through: the pool, or one client inside a transaction. */
export interface Queryable {
  query<R>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

const INT8_OID = 20;
const CONNECT_TIMEOUT_MS = 10_000;
// A deadlock or a serialization failure rolls the whole transaction back, so running it again is
// safe; the statements here take their locks in one order, so this is insurance, not a habit.
const RETRYABLE_CODES = new Set(['40001', '40P01']);
const TRANSACTION_ATTEMPTS = 3;

/**
 * The pool that every storage part shares. It owns what the parts would otherwise each repeat:
 * every connection starts in the configured schema, bigint columns come back as numbers,
 * transactions roll back on error and release their client, errors leave without the password,
 * nothing runs after `close()`, and (when the schema is behind and autoMigrate is off) nothing
 * touches the tables until someone migrates.
 */
export class PostgresDatabase implements Queryable {
  readonly settings: ConnectionSettings;
  readonly #pool: Pool;
  readonly #scrubber: SecretScrubber;
  #schemaGate: (() => Promise<void>) | undefined;
  #closed = false;

  /** Creates the pool; nothing connects until the first query. */
  constructor(settings: ConnectionSettings) {
    this.settings = settings;
    this.#scrubber = new SecretScrubber(settings.password);
    this.#pool = new pg.Pool({ ...this.clientConfig(), max: settings.poolSize });
    // An idle client whose server went away emits here; without a listener that would crash the
    // process. The pool has already dropped the client, and the next query gets a fresh one.
    this.#pool.on('error', () => {});
  }

  get location(): string {
    return this.settings.location;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The config of every connection, the pool's and the listener's alike. */
  clientConfig(): ClientConfig {
    const s = this.settings;
    const defaults = pg.types;
    return {
      host: s.host,
      port: s.port,
      user: s.user,
      password: s.password,
      database: s.database,
      ssl: s.ssl,
      application_name: s.applicationName,
      // In the startup packet, so that even a connection's first statement runs in our schema.
      options: `-c search_path=${s.schema}`,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      types: {
        // Ids and millisecond times are bigint columns and fit a double exactly; pg gives strings.
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID && format !== 'binary'
            ? (value: string) => Number(value)
            : defaults.getTypeParser(oid, format ?? 'text')) as never,
      },
    };
  }

  /** A connection of its own, outside the pool (for LISTEN). */
  newClient(): Client {
    this.assertOpen();
    return new pg.Client(this.clientConfig());
  }

  /**
   * Makes table access wait for `check`, which throws while the schema is unusable and is dropped
   * once it passes. null removes it.
   */
  setSchemaGate(check: (() => Promise<void>) | null): void {
    this.#schemaGate = check ?? undefined;
  }

  async query<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    await this.#ready();
    return this.rawQuery<R>(sql, params);
  }

  /** Runs `work` in one transaction on one client: COMMIT when it resolves, ROLLBACK when it throws. */
  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    await this.#ready();
    return this.rawTransaction(work);
  }

  /** `query` without the schema gate: for migrations and `info()`. */
  async rawQuery<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    this.assertOpen();
    try {
      return (await this.#pool.query(sql, params as unknown[])).rows as R[];
    } catch (error) {
      throw this.scrub(error);
    }
  }

  async rawTransaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#transactionOnce(work);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (attempt >= TRANSACTION_ATTEMPTS || typeof code !== 'string' || !RETRYABLE_CODES.has(code)) throw error;
      }
    }
  }

  /** The error without the password anywhere in it. */
  scrub<T>(error: T): T {
    return this.#scrubber.error(error);
  }

  scrubText(text: string): string {
    return this.#scrubber.text(text);
  }

  /** Idempotent; waits for the pool's connections to close. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  async #transactionOnce<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    this.assertOpen();
    let client: PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw this.scrub(error);
    }
    const tx: Queryable = {
      query: async <R>(sql: string, params: readonly unknown[] = []) =>
        (await client.query(sql, params as unknown[])).rows as R[],
    };
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is gone or unusable: the pool must not hand it out again.
        broken = rollbackError;
      }
      throw this.scrub(error);
    } finally {
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  async #ready(): Promise<void> {
    this.assertOpen();
    const gate = this.#schemaGate;
    if (gate) await gate();
  }

  /** Throws the 'disposed' error once `close()` has been called. */
  assertOpen(): void {
    if (this.#closed) {
      throw new RunyardError(`PostgresStorage at ${this.location} is disposed; open a new storage to use it again`, {
        data: { location: this.location },
      });
    }
  }
}
