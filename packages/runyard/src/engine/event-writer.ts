import { tmpdir } from 'node:os';
import type { NewRunEvent, RunEvent } from '../events/run-event.js';
import type { EventLogStorage } from '../storage/event-log-storage.js';
import { DEFAULT_STORAGE_RETRY, type StorageRetryPolicy, storageRetryDelayMs } from '../storage/storage-retry.js';
import { EventLossCounter } from './event-loss.js';
import { EventSpillFile } from './event-spill-file.js';

/** An event as engine code emits it; the writer adds the run id and the time. */
export type EmitEvent = Omit<NewRunEvent, 'runId'>;

export type EmitFn = (event: EmitEvent) => void;

export interface EventWriterOptions {
  readonly onEvent?: (event: RunEvent) => void;
  /** Events kept in memory while storage does not answer (default 10,000); the rest go to the spill file. */
  readonly maxBufferedEvents?: number;
  /** Where the spill file goes (default the OS temp dir: rarely the disk that just filled up with the database). */
  readonly spillDir?: string;
  /** The spill file's size limit (default 256 MiB); events past it are lost, and an event says so. */
  readonly maxSpillBytes?: number;
  /** Backoff and give-up time for transient storage errors. */
  readonly retry?: StorageRetryPolicy;
  /** A short note when storage stops answering and when it is back (the worker's stderr). */
  readonly note?: (line: string) => void;
}

const BATCH = 1_000;
const DEFAULT_MAX_BUFFERED = 10_000;
const DEFAULT_MAX_SPILL_BYTES = 256 * 1024 * 1024;

/**
 * Buffers a run's events and writes them in batches, one transaction per batch, so a step costs
 * one write rather than three. Emitting is synchronous for the engine; `flush()` waits until
 * everything emitted so far is stored.
 *
 * Storage may be unreachable for a while (a PostgreSQL restart, a disk full for a moment): then
 * the events wait, in order, in memory up to `maxBufferedEvents` and in a spill file past that,
 * and the writer tries again with backoff until storage answers; a short outage delays events and
 * loses none. Events are given up only when the spill file is full, storage has been gone for
 * `retry.maxOutageMs`, or `giveUp()` is called (the worker is dying); then an event tells how many
 * were lost and why. A permanent error (a bug, a constraint) loses only the events it refused, is
 * reported the same way, and makes `flush()` throw.
 */
export class BufferedEventWriter {
  readonly #events: EventLogStorage;
  readonly #runId: string;
  readonly #onEvent: ((event: RunEvent) => void) | undefined;
  readonly #maxBuffered: number;
  readonly #spill: EventSpillFile;
  readonly #retry: Required<StorageRetryPolicy>;
  readonly #note: (line: string) => void;
  readonly #lost = new EventLossCounter();
  /** Oldest first: `#memory`, then what is in the spill file. */
  #memory: NewRunEvent[] = [];
  #emitted = 0;
  #settled = 0;
  #waiters: { readonly upTo: number; readonly resolve: () => void }[] = [];
  #pumping: Promise<void> | undefined;
  #scheduled = false;
  #outageSince: number | undefined;
  #failures = 0;
  #wake: (() => void) | undefined;
  #gaveUp: string | undefined;
  #error: unknown;

  constructor(events: EventLogStorage, runId: string, opts: EventWriterOptions = {}) {
    this.#events = events;
    this.#runId = runId;
    this.#onEvent = opts.onEvent;
    this.#maxBuffered = opts.maxBufferedEvents ?? DEFAULT_MAX_BUFFERED;
    this.#spill = new EventSpillFile(
      opts.spillDir ?? tmpdir(),
      `runyard-events-${runId}-${process.pid}.jsonl`,
      opts.maxSpillBytes ?? DEFAULT_MAX_SPILL_BYTES,
    );
    this.#retry = { ...DEFAULT_STORAGE_RETRY, ...opts.retry };
    this.#note = opts.note ?? (() => undefined);
  }

  readonly emit: EmitFn = (event) => {
    const full: NewRunEvent = { ...event, runId: this.#runId, timestamp: event.timestamp ?? Date.now() };
    this.#emitted++;
    if (this.#gaveUp !== undefined) {
      this.#drop(full, this.#gaveUp);
      return;
    }
    if (this.#spill.pending === 0 && this.#memory.length < this.#maxBuffered) this.#memory.push(full);
    else if (!this.#spill.append(full))
      this.#drop(full, `the spill file ${this.#spill.path} is full or cannot be written`);
    if (!this.#scheduled && !this.#pumping) {
      this.#scheduled = true;
      // setImmediate lets every step that finishes in this turn join one batch.
      setImmediate(() => void this.#startPump());
    }
  };

  /** Events emitted and neither stored nor given up yet. */
  get pending(): number {
    return this.#emitted - this.#settled;
  }

  /** Events given up and not yet reported by a stored event. */
  get lost(): number {
    return this.#lost.count;
  }

  /** Resolves when every event emitted before the call is stored (or given up); throws after a permanent error. */
  async flush(): Promise<void> {
    const upTo = this.#emitted;
    if (this.#settled < upTo) {
      await new Promise<void>((resolve) => {
        this.#waiters.push({ upTo, resolve });
        void this.#startPump();
      });
    }
    // The event that reports a loss is part of what `flush` promises to store.
    if (this.#lost.count > 0 && this.#gaveUp === undefined) await this.#startPump();
    if (this.#error !== undefined) throw this.#error;
  }

  /**
   * Stops waiting for storage: what is still pending is counted as lost with `reason`, and one
   * last try stores the event that says so. For a worker that must exit now.
   */
  async giveUp(reason: string, waitMs = 2_000): Promise<void> {
    this.#gaveUp ??= reason;
    this.#wake?.();
    // A write already sent may still land; a hung connection must not keep a dying worker alive.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(resolve, waitMs);
    });
    await Promise.race([this.#pumping, timeout]);
    clearTimeout(timer);
    this.#dropAll();
    const report = this.#lost.report(this.#runId);
    if (report) {
      try {
        await this.#events.appendEvents([report]);
      } catch (error) {
        this.#note(`runyard: ${report.message}; that could not be stored either: ${describe(error)}`);
      }
      this.#lost.clear();
    }
  }

  #startPump(): Promise<void> {
    this.#scheduled = false;
    this.#pumping ??= this.#pump().finally(() => {
      this.#pumping = undefined;
      // Emitted between the pump's last look and its end.
      if (this.pending > 0 && this.#gaveUp === undefined) void this.#startPump();
    });
    return this.#pumping;
  }

  async #pump(): Promise<void> {
    for (;;) {
      if (this.#gaveUp !== undefined) return this.#dropAll();
      if (this.#memory.length === 0 && this.#spill.pending > 0) this.#memory = this.#spill.read(BATCH);
      const report = this.#memory.length === 0 ? this.#lost.report(this.#runId) : undefined;
      const batch = report ? [report] : this.#memory.slice(0, BATCH);
      if (batch.length === 0) return;
      try {
        const stored = await this.#events.appendEvents(batch);
        this.#recovered();
        if (report) this.#lost.clear();
        else {
          this.#memory.splice(0, batch.length);
          this.#settle(batch.length);
        }
        if (this.#onEvent) for (const event of stored) this.#onEvent(event);
      } catch (error) {
        if (this.#gaveUp !== undefined) continue;
        if (this.#retry.isTransient(error)) {
          if (!(await this.#waitForStorage(error))) {
            this.#gaveUp = `storage was unreachable for ${Math.round(this.#retry.maxOutageMs / 1000)} s (${describe(error)})`;
            this.#error ??= error;
          }
        } else if (report) {
          this.#error ??= error;
          this.#note(`runyard: ${report.message}; that could not be stored: ${describe(error)}`);
          this.#lost.clear();
        } else {
          this.#error ??= error;
          await this.#isolate(batch, error);
        }
      }
    }
  }

  /** A batch that storage refused for good: store its events one by one, so only the bad ones are lost. */
  async #isolate(batch: readonly NewRunEvent[], batchError: unknown): Promise<void> {
    for (const event of batch) {
      let refused = batchError;
      if (batch.length > 1) {
        try {
          const [stored] = await this.#events.appendEvents([event]);
          refused = undefined;
          if (stored) this.#onEvent?.(stored);
        } catch (error) {
          refused = error;
        }
      }
      this.#memory.shift();
      if (refused === undefined) this.#settle(1);
      else this.#drop(event, `storage refused it (${describe(refused)})`);
    }
  }

  /** Waits before the next try; false when the outage has lasted past `maxOutageMs`. */
  async #waitForStorage(error: unknown): Promise<boolean> {
    const now = Date.now();
    if (this.#outageSince === undefined) {
      this.#outageSince = now;
      this.#note(
        `runyard: storage is not answering (${describe(error)}); keeping ${this.pending} event(s) of run ${this.#runId} and trying again`,
      );
    }
    if (now - this.#outageSince >= this.#retry.maxOutageMs) return false;
    this.#failures++;
    const delay = storageRetryDelayMs(this.#failures, this.#retry);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, delay);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
    this.#wake = undefined;
    return true;
  }

  #recovered(): void {
    if (this.#outageSince === undefined) return;
    const seconds = ((Date.now() - this.#outageSince) / 1000).toFixed(1);
    this.#note(`runyard: storage is back after ${seconds} s; storing the delayed events of run ${this.#runId}`);
    this.#outageSince = undefined;
    this.#failures = 0;
  }

  /** Everything still pending is given up (with the reason `giveUp` or the outage gave). */
  #dropAll(): void {
    const reason = this.#gaveUp ?? 'the writer was stopped';
    const before = this.#lost.count;
    for (const event of this.#memory.splice(0)) this.#drop(event, reason);
    while (this.#spill.pending > 0) for (const event of this.#spill.read(BATCH)) this.#drop(event, reason);
    this.#spill.close();
    if (this.#lost.count > before)
      this.#note(`runyard: gave up ${this.#lost.count - before} event(s) of run ${this.#runId}: ${reason}`);
  }

  #drop(event: NewRunEvent, reason: string): void {
    this.#lost.add(event, reason);
    this.#settle(1);
  }

  #settle(count: number): void {
    this.#settled += count;
    if (this.#waiters.length === 0) return;
    const ready = this.#waiters.filter((waiter) => waiter.upTo <= this.#settled);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((waiter) => waiter.upTo > this.#settled);
    for (const waiter of ready) waiter.resolve();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
