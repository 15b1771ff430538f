import type { Client, Notification } from 'pg';
import type { EventsStoredSubscription } from 'runyard';
import type { PostgresDatabase } from './postgres-database.js';

/** The channel every Runyard storage NOTIFYs on; the payload is the schema, so instances can share a database. */
export const EVENTS_CHANNEL = 'runyard_events';

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;
const noop = () => {};

/**
 * `events.onEventsStored`: one connection outside the pool that LISTENs while anyone subscribes,
 * shared by every subscriber of this storage. Writers NOTIFY in the transaction that stores the
 * events, so a call means the events are committed and readable.
 *
 * When the connection drops (a server restart, a failover, an idle timeout in a proxy), it is
 * opened again with backoff, and every listener is called once afterwards: notifications sent
 * while nobody listened are lost, so listeners must read on from their cursor to catch up.
 */
export class PostgresEventNotifier {
  readonly #db: PostgresDatabase;
  readonly #listeners = new Set<() => void>();
  #client: Client | undefined;
  #connecting: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retries = 0;
  #callQueued = false;
  #closed = false;

  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  /** Resolves once the connection is LISTENing, so events stored after that are never missed. */
  async subscribe(listener: () => void): Promise<EventsStoredSubscription> {
    this.#db.assertOpen();
    // A wrapper of its own, so that one function subscribed twice is two subscriptions.
    const entry = () => listener();
    this.#listeners.add(entry);
    try {
      await this.#listen();
    } catch (error) {
      this.#listeners.delete(entry);
      if (this.#listeners.size === 0) await this.#stop();
      throw error;
    }
    let open = true;
    return {
      close: async () => {
        if (!open) return;
        open = false;
        this.#listeners.delete(entry);
        if (this.#listeners.size === 0) await this.#stop();
      },
    };
  }

  /** Ends every subscription; for the storage's dispose. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    await this.#stop();
  }

  #listen(): Promise<void> {
    if (this.#client) return Promise.resolve();
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    const client = this.#db.newClient();
    // Attached before connecting: an 'error' event without a listener would crash the process.
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    client.on('notification', (message: Notification) => {
      if (message.channel === EVENTS_CHANNEL && message.payload === this.#db.settings.schema) this.#callListeners();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (error) {
      await endQuietly(client);
      throw this.#db.scrub(error);
    }
    if (this.#listeners.size === 0 || this.#closed) {
      // Everyone left (or the storage was disposed) while we were connecting.
      await endQuietly(client);
      return;
    }
    this.#client = client;
  }

  #lost(client: Client): void {
    // Only the current connection counts: one we ended on purpose has been forgotten already.
    if (this.#client !== client) return;
    this.#client = undefined;
    void endQuietly(client);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#retryTimer || this.#closed || this.#listeners.size === 0) return;
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.#retries);
    this.#retries++;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#listen().then(
        () => {
          this.#retries = 0;
          // Whatever was stored while the connection was down was never announced.
          if (this.#client) this.#callListeners();
        },
        () => this.#scheduleReconnect(),
      );
    }, delay);
  }

  /** Calls every listener once for any number of notifications that arrive together. */
  #callListeners(): void {
    if (this.#callQueued) return;
    this.#callQueued = true;
    queueMicrotask(() => {
      this.#callQueued = false;
      for (const listener of [...this.#listeners]) {
        try {
          listener();
        } catch {
          // A listener's failure is its own; the others still need the call.
        }
      }
    });
  }

  async #stop(): Promise<void> {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#retries = 0;
    const client = this.#client;
    this.#client = undefined;
    if (client) await endQuietly(client);
  }
}

async function endQuietly(client: Client): Promise<void> {
  client.removeAllListeners('notification');
  client.removeAllListeners('end');
  client.removeAllListeners('error');
  client.on('error', noop);
  await client.end().catch(noop);
}
