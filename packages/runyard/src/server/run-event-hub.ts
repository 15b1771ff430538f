import type { RunEvent } from '../events/run-event.js';
import type { EventLogStorage, EventsStoredSubscription } from '../storage/event-log-storage.js';
import { storageRetryDelayMs, withStorageRetry } from '../storage/storage-retry.js';
import { isTransientStorageError } from '../storage/transient-storage-error.js';
import { abortableSleep } from '../util/abortable-sleep.js';

export type RunEventListener = (events: readonly RunEvent[]) => void;

/** Whether the hub can read storage: `available: false` once when reads start failing, `true` when they work again. */
export interface StorageState {
  readonly available: boolean;
  /** Why storage cannot be read (the driver's message). */
  readonly reason?: string;
}

export interface RunEventHubOptions {
  /** How often storage is read while anyone listens (default 100 ms; a push channel wakes it sooner). */
  readonly pollIntervalMs?: number;
  /** Events read per query (default 1000); a backlog is read in several queries back to back. */
  readonly batchSize?: number;
  /**
   * Called when a read fails for good (a bug); the hub keeps going from the same cursor. A storage
   * outage is not an error: the hub waits it out with backoff and tells `onStorageState` listeners.
   */
  readonly onError?: (error: unknown) => void;
}

/**
 * The one watcher of the event log inside a server. Every open stream (a browser tab following a
 * run, the runs page following every run) subscribes here, and the hub reads new events once per
 * poll for all of them together: a thousand tabs cost one query, not a thousand. On storages that
 * push (`onEventsStored`, PostgreSQL's LISTEN/NOTIFY) a notification wakes it at once.
 *
 *   const hub = new RunEventHub(storage.events);
 *   const stop = await hub.subscribeRun(runId, (events) => send(events));
 *   …
 *   stop(); await hub.close();
 *
 * The hub reads only while someone listens, and starts from the log's end when the first listener
 * comes: a subscriber reads what came before from storage itself (see `followRunEvents`).
 */
export class RunEventHub {
  readonly #events: EventLogStorage;
  readonly #pollIntervalMs: number;
  readonly #batchSize: number;
  readonly #onError: (error: unknown) => void;
  readonly #byRun = new Map<string, Set<RunEventListener>>();
  readonly #everything = new Set<RunEventListener>();
  readonly #storageListeners = new Set<(state: StorageState) => void>();
  #outageReads = 0;
  #cursor = 0;
  #loop: Promise<void> | undefined;
  #starting: Promise<void> | undefined;
  #stop: AbortController | undefined;
  #wake: AbortController | undefined;
  #push: Promise<EventsStoredSubscription | undefined> | undefined;
  #closed = false;

  constructor(events: EventLogStorage, options: RunEventHubOptions = {}) {
    this.#events = events;
    this.#pollIntervalMs = options.pollIntervalMs ?? 100;
    this.#batchSize = options.batchSize ?? 1000;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** The id of the last event the hub has handed out; a new subscriber's backfill goes up to here. */
  get cursor(): number {
    return this.#cursor;
  }

  /**
   * Calls `listener` with each batch of new events of one run. Resolves once the hub is reading,
   * with `cursor` at or after every event stored before the call; returns the unsubscribe function.
   */
  subscribeRun(runId: string, listener: RunEventListener): Promise<() => void> {
    const set = this.#byRun.get(runId) ?? new Set<RunEventListener>();
    this.#byRun.set(runId, set);
    set.add(listener);
    return this.#started(() => {
      set.delete(listener);
      if (set.size === 0) this.#byRun.delete(runId);
    });
  }

  /** Calls `listener` with each batch of new events of every run. */
  subscribeAll(listener: RunEventListener): Promise<() => void> {
    this.#everything.add(listener);
    return this.#started(() => this.#everything.delete(listener));
  }

  /** Calls `listener` when storage stops answering the hub's reads, and when it answers again. */
  onStorageState(listener: (state: StorageState) => void): () => void {
    this.#storageListeners.add(listener);
    return () => this.#storageListeners.delete(listener);
  }

  /** Storage has not answered the hub's last read; the events it missed come once it answers. */
  get storageAvailable(): boolean {
    return this.#outageReads === 0;
  }

  get subscriberCount(): number {
    let n = this.#everything.size;
    for (const set of this.#byRun.values()) n += set.size;
    return n;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#byRun.clear();
    this.#everything.clear();
    this.#stop?.abort();
    this.#wake?.abort();
    await this.#loop;
    const push = await this.#push;
    await push?.close();
  }

  async #started(unsubscribe: () => void): Promise<() => void> {
    if (this.#closed) throw new Error('the run event hub is closed');
    // Set before the first await, so subscribers arriving together start one loop, not one each.
    this.#starting ??= this.#start();
    await this.#starting;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      unsubscribe();
      if (this.subscriberCount === 0) this.#idle();
    };
  }

  async #start(): Promise<void> {
    // Start from the log's end: what came before, subscribers read from storage themselves.
    this.#cursor = await withStorageRetry(() => this.#events.getLatestEventId());
    const stop = new AbortController();
    this.#stop = stop;
    this.#push ??= this.#listenForPushes();
    this.#loop = this.#run(stop.signal);
  }

  /** Nobody listens: stop reading until someone does. */
  #idle(): void {
    this.#stop?.abort();
    this.#wake?.abort();
    this.#stop = undefined;
    this.#starting = undefined;
  }

  async #listenForPushes(): Promise<EventsStoredSubscription | undefined> {
    if (!this.#events.onEventsStored) return undefined;
    try {
      return await this.#events.onEventsStored(() => this.#wake?.abort());
    } catch (error) {
      // Polling still delivers everything; a push channel only makes it sooner.
      this.#onError(error);
      return undefined;
    }
  }

  async #run(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      let full = false;
      try {
        full = await this.#readOnce(stop);
      } catch (error) {
        if (!isTransientStorageError(error)) this.#onError(error);
        else if (this.#outageReads++ === 0)
          this.#storageState({ available: false, reason: error instanceof Error ? error.message : String(error) });
      }
      if (full) continue; // a backlog: read on at once
      const wake = new AbortController();
      this.#wake = wake;
      // While storage is down, back off (a push cannot come then anyway); the cursor stays, so
      // the first read that works delivers what was stored meanwhile, nothing twice.
      const sleepMs = this.#outageReads > 0 ? storageRetryDelayMs(this.#outageReads) : this.#pollIntervalMs;
      // Stopping wakes the sleeper too (see #idle and close), so one signal is enough here.
      if (!stop.aborted) await abortableSleep(sleepMs, wake.signal);
    }
  }

  #storageState(state: StorageState): void {
    for (const listener of this.#storageListeners) safely(listener, state);
  }

  /** Reads one batch after the cursor and hands it out; true when the batch was full. */
  async #readOnce(stop: AbortSignal): Promise<boolean> {
    const events = await this.#events.getEventsAfter(this.#cursor, { limit: this.#batchSize });
    // Said before the events it missed go out: a stream may end with them (the run's last event).
    if (this.#outageReads > 0) this.#storageState({ available: true });
    this.#outageReads = 0;
    // A loop stopped while it read (everyone left, then someone came back) must not move the
    // cursor of the loop that replaced it.
    if (events.length === 0 || stop.aborted) return false;
    this.#cursor = events[events.length - 1]!.id;
    const byRun = new Map<string, RunEvent[]>();
    for (const event of events) {
      if (!this.#byRun.has(event.runId)) continue;
      const list = byRun.get(event.runId) ?? [];
      list.push(event);
      byRun.set(event.runId, list);
    }
    for (const [runId, list] of byRun) for (const listener of this.#byRun.get(runId) ?? []) safely(listener, list);
    for (const listener of this.#everything) safely(listener, events);
    return events.length === this.#batchSize;
  }
}

function safely<T>(listener: (value: T) => void, value: T): void {
  try {
    listener(value);
  } catch {
    // One broken subscriber (a closed socket) must not stop the others.
  }
}
