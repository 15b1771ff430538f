/**
 * SQLITE_BUSY handling. Write transactions begin IMMEDIATE, so the busy handler (busy_timeout)
 * normally absorbs contention between processes. A few cases still escape it: switching a fresh
 * file to WAL while another process does the same, WAL recovery after a crash, or a writer that
 * holds the lock longer than the timeout. Those are transient, so we retry the whole unit of work.
 */

const DEFAULT_ATTEMPTS = 6;
const BASE_DELAY_MS = 20;
const MAX_DELAY_MS = 1_000;

export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // Extended codes (SQLITE_BUSY_RECOVERY, SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_TIMEOUT) are transient too.
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

export interface RetryOptions {
  readonly attempts?: number;
}

/**
 * Runs `work` (synchronous: better-sqlite3 blocks) and retries it on SQLITE_BUSY with jittered
 * exponential backoff. The wait is asynchronous so the event loop stays free between attempts.
 */
export async function retryOnBusy<T>(work: () => T, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    try {
      return work();
    } catch (error) {
      if (!isBusyError(error) || attempt >= attempts) throw error;
      await sleep(backoffMs(attempt));
    }
  }
}

function backoffMs(attempt: number): number {
  const exponential = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
  // Jitter keeps processes that collided once from colliding again in lockstep.
  return exponential / 2 + Math.random() * (exponential / 2);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
