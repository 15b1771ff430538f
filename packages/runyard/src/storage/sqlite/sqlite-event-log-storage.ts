import { RunyardError } from '../../errors.js';
import type { NewRunEvent, RunEvent } from '../../events/run-event.js';
import { isRunStatusEventType } from '../../runs/run-status.js';
import type { EventLogStorage, EventQuery } from '../event-log-storage.js';
import type { SqliteConnection } from './sqlite-connection.js';
import { type EventRow, placeholders, toJsonOrNull, toRunEvent } from './sqlite-rows.js';

const INSERT_EVENT = `
  INSERT INTO event_logs (run_id, type, timestamp, level, step_key, message, data, error)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

/**
 * Writes one event; the caller holds the transaction. Shared with run storage, which writes
 * status events together with the status change they cause.
 */
export function insertEvent(conn: SqliteConnection, event: NewRunEvent, now: number): RunEvent {
  const stored = {
    runId: event.runId,
    type: event.type,
    timestamp: event.timestamp ?? now,
    level: event.level ?? 'info',
    message: event.message ?? '',
  } as const;
  const result = conn
    .statement(INSERT_EVENT)
    .run(
      stored.runId,
      stored.type,
      stored.timestamp,
      stored.level,
      event.stepKey ?? null,
      stored.message,
      toJsonOrNull(event.data),
      toJsonOrNull(event.error),
    );
  // Read back through the row mapper so callers get exactly what a later query returns
  // (JSON round-tripped data, absent optionals).
  const row = conn.statement('SELECT * FROM event_logs WHERE id = ?').get(result.lastInsertRowid) as EventRow;
  return toRunEvent(row);
}

export class SqliteEventLogStorage implements EventLogStorage {
  readonly #conn: SqliteConnection;

  constructor(conn: SqliteConnection) {
    this.#conn = conn;
  }

  async appendEvents(events: readonly NewRunEvent[]): Promise<RunEvent[]> {
    // Checked before the transaction so a bad batch writes nothing and holds no lock.
    for (const event of events) {
      if (isRunStatusEventType(event.type)) {
        throw new RunyardError(
          `appendEvents cannot write the run status event ${event.type} (run '${event.runId}'): status events go through RunStorage.transition so the status changes with them`,
          { data: { runId: event.runId, type: event.type } },
        );
      }
    }
    if (events.length === 0) return [];
    return this.#conn.write(() => {
      const now = Date.now();
      return events.map((event) => insertEvent(this.#conn, event, now));
    });
  }

  async getEvents(runId: string, query: EventQuery = {}): Promise<RunEvent[]> {
    const where = ['run_id = ?'];
    const params: unknown[] = [runId];
    if (query.afterId !== undefined) {
      where.push('id > ?');
      params.push(query.afterId);
    }
    return this.#select(where, params, query);
  }

  async getEventsAfter(afterId: number, query: Omit<EventQuery, 'afterId'> = {}): Promise<RunEvent[]> {
    return this.#select(['id > ?'], [afterId], query);
  }

  /** Events matching `where` plus the query's type, step and limit filters, oldest first. */
  #select(where: string[], params: unknown[], query: Omit<EventQuery, 'afterId'>): Promise<RunEvent[]> {
    if (query.types !== undefined) {
      where.push(`type IN (${placeholders(query.types.length)})`);
      params.push(...query.types);
    }
    if (query.stepKey !== undefined) {
      where.push('step_key = ?');
      params.push(query.stepKey);
    }
    let sql = `SELECT * FROM event_logs WHERE ${where.join(' AND ')} ORDER BY id ASC`;
    if (query.limit !== undefined) {
      sql += ' LIMIT ?';
      params.push(query.limit);
    }
    return Promise.resolve(
      this.#conn.read(() => (this.#conn.statement(sql).all(...params) as EventRow[]).map(toRunEvent)),
    );
  }

  async getLatestEventId(): Promise<number> {
    return this.#conn.read(() => {
      const row = this.#conn.statement('SELECT MAX(id) AS id FROM event_logs').get() as { id: number | null };
      return row.id ?? 0;
    });
  }
}
