import type { NewRunEvent, RunEvent } from '../events/run-event.js';
import type { EventLogStorage } from '../storage/event-log-storage.js';

/** An event as engine code emits it; the writer adds the run id and the time. */
export type EmitEvent = Omit<NewRunEvent, 'runId'>;

export type EmitFn = (event: EmitEvent) => void;

/**
 * Buffers a run's events and writes them in batches, one transaction per batch, so a step
 * costs one write rather than three. Emitting is synchronous for the engine; `flush()` waits
 * until everything emitted so far is stored, and rethrows if storage failed.
 */
export class BufferedEventWriter {
  readonly #events: EventLogStorage;
  readonly #runId: string;
  readonly #onEvent: ((event: RunEvent) => void) | undefined;
  #buffer: NewRunEvent[] = [];
  #scheduled = false;
  #chain: Promise<void> = Promise.resolve();
  #error: unknown;

  constructor(events: EventLogStorage, runId: string, onEvent?: (event: RunEvent) => void) {
    this.#events = events;
    this.#runId = runId;
    this.#onEvent = onEvent;
  }

  readonly emit: EmitFn = (event) => {
    this.#buffer.push({ ...event, runId: this.#runId, timestamp: event.timestamp ?? Date.now() });
    if (!this.#scheduled) {
      this.#scheduled = true;
      // setImmediate lets every step that finishes in this turn join one batch.
      setImmediate(() => void this.#drain());
    }
  };

  /** Resolves when every event emitted before the call is stored. */
  async flush(): Promise<void> {
    await this.#drain();
    if (this.#error !== undefined) throw this.#error;
  }

  #drain(): Promise<void> {
    this.#scheduled = false;
    if (this.#buffer.length === 0) return this.#chain;
    const batch = this.#buffer;
    this.#buffer = [];
    this.#chain = this.#chain.then(async () => {
      try {
        const stored = await this.#events.appendEvents(batch);
        if (this.#onEvent) for (const event of stored) this.#onEvent(event);
      } catch (error) {
        this.#error ??= error;
      }
    });
    return this.#chain;
  }
}
