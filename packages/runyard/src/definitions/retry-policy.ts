import { DefinitionError } from '../errors.js';

/** How the delay between op retries grows: the same each time, by `delayMs` each retry, or doubling. */
export type Backoff = 'constant' | 'linear' | 'exponential';

/** How a failing step is retried: up to `maxRetries` more attempts, waiting between them. */
export interface RetryPolicy {
  readonly maxRetries: number;
  /** Delay before the first retry. Default 0. */
  readonly delayMs?: number;
  /** How the delay grows with each retry. Default 'constant'. */
  readonly backoff?: Backoff;
  /** Upper bound on any one delay. */
  readonly maxDelayMs?: number;
  /** Randomise each delay between half and all of it, so retries from many runs spread out. */
  readonly jitter?: boolean;
}

export function validateRetryPolicy(policy: RetryPolicy, where: string): RetryPolicy {
  const bad = (msg: string) => new DefinitionError(`${where}: retryPolicy.${msg}`);
  if (!Number.isInteger(policy.maxRetries) || policy.maxRetries < 0)
    throw bad(`maxRetries must be a whole number ≥ 0, got ${String(policy.maxRetries)}`);
  if (policy.delayMs !== undefined && !(policy.delayMs >= 0))
    throw bad(`delayMs must be ≥ 0, got ${String(policy.delayMs)}`);
  if (policy.maxDelayMs !== undefined && !(policy.maxDelayMs >= 0))
    throw bad(`maxDelayMs must be ≥ 0, got ${String(policy.maxDelayMs)}`);
  if (policy.backoff !== undefined && !['constant', 'linear', 'exponential'].includes(policy.backoff))
    throw bad(`backoff must be constant, linear or exponential, got ${String(policy.backoff)}`);
  return Object.freeze({ ...policy });
}

/** The wait before retry number `retry` (1 for the first retry). */
export function retryDelayMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const base = policy.delayMs ?? 0;
  let delay: number;
  switch (policy.backoff ?? 'constant') {
    case 'linear':
      delay = base * retry;
      break;
    case 'exponential':
      delay = base * 2 ** (retry - 1);
      break;
    default:
      delay = base;
  }
  if (policy.maxDelayMs !== undefined) delay = Math.min(delay, policy.maxDelayMs);
  if (policy.jitter) delay = delay / 2 + (random() * delay) / 2;
  return Math.round(delay);
}
