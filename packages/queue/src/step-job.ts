import type { ErrorInfo } from 'runyard';
import type { StepInputSource } from 'runyard/internal';

/**
 * What a step's queue job carries: the run, step and attempt, plus what only the run worker's
 * plan knows (where each input comes from, and the step's parsed config). Everything else (job,
 * code location, tags, IO manager) the queue worker reads from storage and the instance.
 */
export interface StepJobData {
  readonly runId: string;
  readonly stepKey: string;
  readonly attempt: number;
  /** References to outputs (run and step ids), or a map() item's value. */
  readonly inputs: Readonly<Record<string, StepInputSource>>;
  readonly config: unknown;
  /** The queue it was put on, for messages. */
  readonly queue: string;
  /** When the run worker enqueued it (ms since the epoch), for the start latency. */
  readonly enqueuedAt: number;
}

/**
 * How an attempt ended, as the queue worker completes the job with it. A failed step completes
 * the job too: BullMQ's own failure is kept for a worker that was lost, so BullMQ never retries and
 * Runyard's retry policy alone decides.
 */
export type StepJobResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: ErrorInfo; readonly retryable: boolean };

export function isStepJobResult(value: unknown): value is StepJobResult {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.ok === true || (v.ok === false && typeof v.error === 'object' && typeof v.retryable === 'boolean');
}

/** Op tag naming the queue a step goes to; the instance's default queue otherwise. */
export const QUEUE_TAG = 'runyard/queue';
/** Op tag and run tag: an integer, higher first; a step's priority is the run's plus its op's. */
export const PRIORITY_TAG = 'runyard/priority';

const PRIORITY_RANGE = 1_000_000;
/** BullMQ's lowest number goes first (1 … 2,097,151; 0 would jump every prioritized job). */
const BULL_PRIORITY_MIDDLE = 1_048_576;

export function tagPriority(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value.trim());
  return /^[+-]?\d+$/.test(value.trim()) && Number.isSafeInteger(n) ? n : 0;
}

/** Runyard's priority (higher first, 0 default) as BullMQ's (lower first, always ≥ 1). */
export function bullPriority(priority: number): number {
  const clamped = Math.max(-PRIORITY_RANGE, Math.min(PRIORITY_RANGE, priority));
  return BULL_PRIORITY_MIDDLE - clamped;
}
