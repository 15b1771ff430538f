import type { RunEvent } from '../events/run-event.js';
import type { Storage } from '../storage/storage.js';
import { outageNotes, type StorageRetryPolicy, withStorageRetry } from '../storage/storage-retry.js';
import type { RunRecord } from './run-record.js';
import { isTerminalStatus } from './run-status.js';

/**
 * Options of `followRun()`: the callback for each event, an abort signal, and where to note a storage
 * outage while following.
 */
export interface FollowRunOptions {
  /** Start after this event id (0: from the beginning). */
  readonly afterId?: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  readonly onEvent: (event: RunEvent) => void;
  /**
   * A short note when storage stops answering and when it is back (the CLI prints it on stderr).
   * Following waits an outage out and resumes after the last event delivered: none twice, none missed.
   */
  readonly note?: (line: string) => void;
  readonly retry?: StorageRetryPolicy;
}

const DEFAULT_POLL_MS = 25;
const BATCH = 500;

/**
 * Calls `onEvent` for each of the run's events, in order, as they are stored, until the run
 * reaches a terminal status and every event before it has been delivered. Resolves with the run.
 */
export async function followRun(
  storage: Storage,
  runId: string,
  options: FollowRunOptions,
): Promise<RunRecord | undefined> {
  let afterId = options.afterId ?? 0;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  let last: RunRecord | undefined;
  const read = <T>(work: () => Promise<T>) =>
    withStorageRetry(work, {
      ...options.retry,
      ...outageNotes(options.note ?? (() => undefined), `following run ${runId}`),
      signal: options.signal,
    });
  for (;;) {
    // Read the status before the events: if it is terminal now, every event written before the
    // terminal one is already stored, so the read below sees them all.
    let run: RunRecord | undefined;
    let events: RunEvent[];
    try {
      run = last = await read(() => storage.runs.getRun(runId));
      do {
        events = await read(() => storage.events.getEvents(runId, { afterId, limit: BATCH }));
        for (const event of events) {
          afterId = event.id;
          options.onEvent(event);
        }
      } while (events.length === BATCH);
    } catch (error) {
      // Stopped (Ctrl-C) while waiting for storage: what is known so far, not the outage's error.
      if (options.signal?.aborted) return last;
      throw error;
    }
    if (!run || isTerminalStatus(run.status) || options.signal?.aborted) return run;
    await new Promise<void>((resolve) => {
      // Removed again after each wait: a run followed for more than ten polls would otherwise
      // trip Node's MaxListenersExceededWarning on the signal, printed to the user's terminal.
      const done = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, pollMs);
      options.signal?.addEventListener('abort', done, { once: true });
    });
  }
}
