import type { NewRunEvent, RunEvent, RunEventType } from '../events/run-event.js';

/**
 * Which events `EventLogStorage.getEvents` returns: after a storage id, of some types, at most a
 * limit.
 */
export interface EventQuery {
  /** Only events with an id greater than this. */
  readonly afterId?: number;
  readonly limit?: number;
  readonly types?: readonly RunEventType[];
  readonly stepKey?: string;
}

/** The append-only event log. Status events are written through RunStorage.transition instead. */
export interface EventLogStorage {
  /** Appends in order, in one transaction. Rejects run-level status events. */
  appendEvents(events: readonly NewRunEvent[]): Promise<RunEvent[]>;
  /** One run's events in the order written. */
  getEvents(runId: string, query?: EventQuery): Promise<RunEvent[]>;
  /** The highest event id in the whole log (0 when empty), for watchers that follow every run. */
  getLatestEventId(): Promise<number>;
  /**
   * Events of every run with an id greater than `afterId`, in id order: how a watcher that follows
   * the whole log (the retry daemon follows RUN_FAILURE) reads on from its cursor.
   */
  getEventsAfter(afterId: number, query?: Omit<EventQuery, 'afterId'>): Promise<RunEvent[]>;
  /**
   * Optional push: calls `listener` soon after events are stored by any process (run-level status
   * events included), so a watcher reads on from its cursor at once instead of waiting for its
   * next poll. Calls may be coalesced and may come without new events; they carry no data. Backends
   * without a push channel (SQLite) leave it out and watchers poll. Resolves once listening.
   */
  onEventsStored?(listener: () => void): Promise<EventsStoredSubscription>;
}

/** A subscription to `EventLogStorage.onEventsStored`; `close()` ends it. */
export interface EventsStoredSubscription {
  /** Stops the calls and releases what listening held (a connection). Idempotent. */
  close(): Promise<void>;
}
