import type { NewRunEvent, RunEvent, RunEventType } from '../events/run-event.js';

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
}
