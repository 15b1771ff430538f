import { isRetryableAwsError } from './ecs-client.js';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** The first delay's upper bound; each later bound doubles, capped at `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** For tests: where the delay happens. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** For tests: a number in [0, 1). */
  readonly random?: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 200, maxDelayMs: 5_000 };

/**
 * Calls `fn` again after throttling, with "full jitter" backoff: a random delay below a bound that
 * doubles each time, so that many launchers throttled together do not all come back together.
 */
export async function withAwsRetry<T>(fn: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY): Promise<T> {
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = policy.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= policy.attempts || !isRetryableAwsError(error)) throw error;
      const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.floor(random() * bound));
    }
  }
}
