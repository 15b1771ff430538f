import { isTransientStorageError } from './transient-storage-error.js';

/** How long and how often to try again when storage is briefly unreachable. */
export interface StorageRetryPolicy {
  /** The first wait after a failure (default 50 ms); each next one doubles, with jitter. */
  readonly initialDelayMs?: number;
  /** The longest wait between two tries (default 1 s), so a recovered storage is seen soon. */
  readonly maxDelayMs?: number;
  /** Give up when storage has been unreachable this long (default 10 minutes). */
  readonly maxOutageMs?: number;
  /** Which errors are worth another try (default: isTransientStorageError). */
  readonly isTransient?: (error: unknown) => boolean;
}

export const DEFAULT_STORAGE_RETRY = Object.freeze({
  initialDelayMs: 50,
  maxDelayMs: 1_000,
  maxOutageMs: 10 * 60_000,
  isTransient: isTransientStorageError,
}) satisfies Required<StorageRetryPolicy>;

export interface StorageRetryOptions extends StorageRetryPolicy {
  /** Called before each wait: the error, the try that failed (1, 2, …) and the wait. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Called once when a try succeeds after failures. */
  readonly onRecovered?: (attempts: number) => void;
  /** Stops the waiting: the last error is thrown. */
  readonly signal?: AbortSignal;
}

/** The wait before try `attempt + 1`: exponential from `initialDelayMs`, capped, with ±25 % jitter. */
export function storageRetryDelayMs(attempt: number, policy: StorageRetryPolicy = {}): number {
  const initial = policy.initialDelayMs ?? DEFAULT_STORAGE_RETRY.initialDelayMs;
  const max = policy.maxDelayMs ?? DEFAULT_STORAGE_RETRY.maxDelayMs;
  const base = Math.min(max, initial * 2 ** Math.min(attempt - 1, 30));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/**
 * Runs `work`, and while it fails with a transient storage error, waits (with backoff) and runs it
 * again, up to `maxOutageMs`. A permanent error is thrown at once.
 *
 *   const result = await withStorageRetry(() => storage.runs.transition(event), { onRetry: note });
 *
 * `work` must be safe to run again: an append that failed is not stored, and a compare-and-swap
 * that was in fact applied answers `applied: false` with the run in its new status the second time.
 */
export async function withStorageRetry<T>(work: () => Promise<T>, options: StorageRetryOptions = {}): Promise<T> {
  const isTransient = options.isTransient ?? DEFAULT_STORAGE_RETRY.isTransient;
  const maxOutageMs = options.maxOutageMs ?? DEFAULT_STORAGE_RETRY.maxOutageMs;
  let since: number | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await work();
      if (attempt > 1) options.onRecovered?.(attempt);
      return result;
    } catch (error) {
      since ??= Date.now();
      if (!isTransient(error) || options.signal?.aborted || Date.now() - since >= maxOutageMs) throw error;
      const delayMs = storageRetryDelayMs(attempt, options);
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs, options.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The two notes a user sees around an outage, once each: "storage is not answering …; <what> waits
 * for it" on the first failed try, "storage is back" when a try succeeds again.
 *
 *   await withStorageRetry(read, { ...outageNotes((line) => process.stderr.write(`${line}\n`), 'following the run') });
 */
export function outageNotes(
  note: (line: string) => void,
  what: string,
): Pick<StorageRetryOptions, 'onRetry' | 'onRecovered'> {
  return {
    onRetry: (error, attempt) => {
      if (attempt === 1)
        note(
          `runyard: storage is not answering (${error instanceof Error ? error.message : String(error)}); ${what} waits for it`,
        );
    },
    onRecovered: () => note(`runyard: storage is back; ${what} goes on`),
  };
}
