import {
  type EventLogStorage,
  type EventQuery,
  type EventsStoredSubscription,
  type NewRunEvent,
  RUN_STATUS_EVENT_TYPES,
  type RunEvent,
  RunyardError,
} from 'runyard';
import type { PostgresDatabase, Queryable } from './postgres-database.js';
import { EVENTS_CHANNEL, type PostgresEventNotifier } from './postgres-event-notifier.js';
import { advisoryLockKey, LOCK_CLASS } from './postgres-locks.js';
import { type EventRow, toJsonOrNull, toRunEvent } from './postgres-rows.js';
import { encodeText, encodeTextOrNull } from './postgres-text.js';
import { Where } from './postgres-where.js';

/*
 * One statement, one round trip, for any number of events: the lock that orders ids (see
 * postgres-locks.ts) is taken before the first row exists, because every row is joined with it;
 * rows are inserted in the order given (ORDER BY ord), so their ids follow it; and the NOTIFY is
 * queued in the same transaction, so listeners are woken only once the events can be read.
 */
const INSERT_EVENTS = `
  WITH ordered AS (SELECT pg_advisory_xact_lock($1, $2)),
  inserted AS (
    INSERT INTO event_logs (run_id, type, event_time, level, step_key, message, data, error)
    SELECT e.run_id, e.type, e.event_time, e.level, e.step_key, e.message, e.data::json, e.error::json
    FROM ordered,
      unnest($4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
      WITH ORDINALITY AS e(run_id, type, event_time, level, step_key, message, data, error, ord)
    ORDER BY e.ord
    RETURNING *
  ),
  notified AS (SELECT pg_notify('${EVENTS_CHANNEL}', $3) FROM ordered)
  SELECT inserted.* FROM inserted, notified ORDER BY inserted.id`;

/**
 * Writes events through `db`, which is the pool (one statement is its own transaction) or the
 * caller's transaction. Shared with run storage, which writes status events with the status change.
 */
export async function insertEvents(
  db: Queryable,
  schema: string,
  events: readonly NewRunEvent[],
  now: number,
): Promise<RunEvent[]> {
  const rows = await db.query<EventRow>(INSERT_EVENTS, [
    LOCK_CLASS.appendEvents,
    advisoryLockKey(schema),
    schema,
    events.map((e) => e.runId),
    events.map((e) => e.type),
    events.map((e) => e.timestamp ?? now),
    events.map((e) => e.level ?? 'info'),
    events.map((e) => encodeTextOrNull(e.stepKey)),
    events.map((e) => encodeText(e.message ?? '')),
    events.map((e) => toJsonOrNull(e.data)),
    events.map((e) => toJsonOrNull(e.error)),
  ]);
  return rows.map(toRunEvent);
}

export function isRunStatusEventType(type: string): boolean {
  return (RUN_STATUS_EVENT_TYPES as readonly string[]).includes(type);
}

export class PostgresEventLogStorage implements EventLogStorage {
  readonly #db: PostgresDatabase;
  readonly #notifier: PostgresEventNotifier;

  constructor(db: PostgresDatabase, notifier: PostgresEventNotifier) {
    this.#db = db;
    this.#notifier = notifier;
  }

  async appendEvents(events: readonly NewRunEvent[]): Promise<RunEvent[]> {
    // Checked before anything is sent, so a bad batch writes nothing.
    for (const event of events) {
      if (isRunStatusEventType(event.type)) {
        throw new RunyardError(
          `appendEvents cannot write the run status event ${event.type} (run '${event.runId}'): status events go through RunStorage.transition so the status changes with them`,
          { data: { runId: event.runId, type: event.type } },
        );
      }
    }
    if (events.length === 0) return [];
    return insertEvents(this.#db, this.#db.settings.schema, events, Date.now());
  }

  async getEvents(runId: string, query: EventQuery = {}): Promise<RunEvent[]> {
    const where = new Where();
    where.add('run_id = ?', runId);
    if (query.afterId !== undefined) where.add('id > ?', query.afterId);
    return this.#select(where, query);
  }

  async getEventsAfter(afterId: number, query: Omit<EventQuery, 'afterId'> = {}): Promise<RunEvent[]> {
    const where = new Where();
    where.add('id > ?', afterId);
    return this.#select(where, query);
  }

  async getLatestEventId(): Promise<number> {
    const [row] = await this.#db.query<{ id: number | null }>('SELECT MAX(id) AS id FROM event_logs');
    return row?.id ?? 0;
  }

  onEventsStored(listener: () => void): Promise<EventsStoredSubscription> {
    return this.#notifier.subscribe(listener);
  }

  /** Events matching `where` plus the query's type, step and limit filters, oldest first. */
  async #select(where: Where, query: Omit<EventQuery, 'afterId'>): Promise<RunEvent[]> {
    if (query.types !== undefined) where.add('type = ANY(?::text[])', [...query.types]);
    if (query.stepKey !== undefined) where.add('step_key = ?', encodeText(query.stepKey));
    let sql = `SELECT * FROM event_logs WHERE ${where.sql()} ORDER BY id ASC`;
    if (query.limit !== undefined) sql += ` LIMIT ${where.param(query.limit)}`;
    return (await this.#db.query<EventRow>(sql, where.params)).map(toRunEvent);
  }
}
