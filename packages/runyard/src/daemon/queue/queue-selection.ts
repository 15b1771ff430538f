import { NO_CONCURRENCY_LIMIT, type TagConcurrencyLimit } from '../../coordinator/queued-run-coordinator-config.js';
import type { RunRecord } from '../../runs/run-record.js';

/**
 * Which queued runs to launch now, and why each of the others waits: a pure function of the queue,
 * the runs in progress and the limits, so the rules can be tested without a daemon.
 *
 *   const { toLaunch, waiting } = selectRunsToLaunch(queuedOldestFirst, inProgress, {
 *     maxConcurrentRuns: 2,
 *     tagConcurrencyLimits: [{ key: 'team', value: 'data', limit: 1 }],
 *   });
 */

/** A run's place in the queue: an integer, higher first, may be negative; absent is 0. */
export const PRIORITY_TAG = 'runyard/priority';

export interface QueueLimits {
  /** -1: no limit. */
  readonly maxConcurrentRuns: number;
  readonly tagConcurrencyLimits: readonly TagConcurrencyLimit[];
  /** Per named launcher, by its name in the run's `runyard/launcher` tag. */
  readonly launcherConcurrencyLimits?: Readonly<Record<string, number>>;
}

/** The tag that records a run's launcher (launcher/launcher-routing.ts). */
const LAUNCHER_TAG = 'runyard/launcher';

/** What selection reads of a run. */
export type QueueRun = Pick<RunRecord, 'runId' | 'tags' | 'createdAt'>;

export interface WaitingRun<R extends QueueRun> {
  readonly run: R;
  /** For the run's statusReason: `waiting: 2 of 2 runs in progress (maxConcurrentRuns)`. */
  readonly reason: string;
}

export interface QueueSelection<R extends QueueRun> {
  /** In queue order: priority, then submission. */
  readonly toLaunch: readonly R[];
  /** In queue order. */
  readonly waiting: readonly WaitingRun<R>[];
}

export interface RunPriority {
  readonly priority: number;
  /** Set when the tag is there but not an integer (it then counts as 0). */
  readonly problem?: string;
}

export function runPriority(tags: Readonly<Record<string, string>>): RunPriority {
  const raw = tags[PRIORITY_TAG];
  if (raw === undefined) return { priority: 0 };
  const trimmed = raw.trim();
  const value = Number(trimmed);
  if (/^[+-]?\d+$/.test(trimmed) && Number.isSafeInteger(value)) return { priority: value };
  return { priority: 0, problem: `tag ${PRIORITY_TAG}=${JSON.stringify(raw)} is not an integer, so it counts as 0` };
}

/**
 * Queued runs in the order they go: higher priority first, then earlier submission. `queued` must be
 * oldest first; runs submitted in the same millisecond keep that order.
 */
export function orderQueue<R extends QueueRun>(queued: readonly R[]): R[] {
  const keyed = queued.map((run, index) => ({ run, index, priority: runPriority(run.tags).priority }));
  keyed.sort((a, b) => b.priority - a.priority || a.run.createdAt - b.run.createdAt || a.index - b.index);
  return keyed.map((k) => k.run);
}

/**
 * Walks the queue in order and launches every run that fits: the global limit and each tag limit
 * that applies to it, counting runs in progress and the runs chosen before it. A run blocked by a
 * tag limit does not hold back later runs that the limit does not concern.
 */
export function selectRunsToLaunch<R extends QueueRun>(
  queuedOldestFirst: readonly R[],
  inProgress: readonly QueueRun[],
  limits: QueueLimits,
): QueueSelection<R> {
  const counts = new LimitCounts(limits);
  for (const run of inProgress) counts.add(run);

  const toLaunch: R[] = [];
  const held: R[] = [];
  for (const run of orderQueue(queuedOldestFirst)) {
    if (counts.blockers(run).length > 0) {
      held.push(run);
      continue;
    }
    toLaunch.push(run);
    counts.add(run);
  }
  // Reasons from the counts once this pass's runs are launched: what the next pass will see too, so
  // an unchanged queue keeps its reasons and nothing is rewritten. Counts only grew since a held
  // run's turn, so whatever held it back still does.
  const waiting = held.map((run) => {
    const { problem } = runPriority(run.tags);
    return { run, reason: `waiting: ${[...counts.blockers(run), ...(problem ? [problem] : [])].join('; ')}` };
  });
  return { toLaunch, waiting };
}

/** Runs counted against the global limit and against each tag limit's buckets. */
class LimitCounts {
  readonly #limits: QueueLimits;
  #total = 0;
  readonly #perLauncher = new Map<string, number>();
  /** Per tag limit (by index): runs counted per bucket (the value, or '' when values share one count). */
  readonly #buckets: Map<string, number>[];

  constructor(limits: QueueLimits) {
    this.#limits = limits;
    this.#buckets = limits.tagConcurrencyLimits.map(() => new Map());
  }

  add(run: QueueRun): void {
    this.#total++;
    const launcher = run.tags[LAUNCHER_TAG];
    if (launcher !== undefined) this.#perLauncher.set(launcher, (this.#perLauncher.get(launcher) ?? 0) + 1);
    this.#limits.tagConcurrencyLimits.forEach((limit, i) => {
      const bucket = bucketOf(limit, run);
      if (bucket === undefined) return;
      const counts = this.#buckets[i] as Map<string, number>;
      counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
    });
  }

  /** Why `run` cannot go now; empty when it can. */
  blockers(run: QueueRun): string[] {
    const reasons: string[] = [];
    const max = this.#limits.maxConcurrentRuns;
    if (max !== NO_CONCURRENCY_LIMIT && this.#total >= max)
      reasons.push(`${this.#total} of ${max} runs in progress (maxConcurrentRuns)`);
    const launcher = run.tags[LAUNCHER_TAG];
    const launcherLimit = launcher === undefined ? undefined : this.#limits.launcherConcurrencyLimits?.[launcher];
    if (launcher !== undefined && launcherLimit !== undefined) {
      const count = this.#perLauncher.get(launcher) ?? 0;
      if (count >= launcherLimit)
        reasons.push(
          `launcher ${launcher} has ${count} of ${launcherLimit} runs in progress (launcherConcurrencyLimits)`,
        );
    }
    this.#limits.tagConcurrencyLimits.forEach((limit, i) => {
      const bucket = bucketOf(limit, run);
      if (bucket === undefined) return;
      const count = (this.#buckets[i] as Map<string, number>).get(bucket) ?? 0;
      if (count >= limit.limit)
        reasons.push(`${describeLimit(limit, run)} has ${count} of ${limit.limit} runs in progress`);
    });
    return reasons;
  }
}

/** The count a run falls in for this limit, or undefined when the limit does not concern it. */
function bucketOf(limit: TagConcurrencyLimit, run: QueueRun): string | undefined {
  const value = run.tags[limit.key];
  if (value === undefined) return undefined;
  if (limit.value !== undefined) return limit.value === value ? '' : undefined;
  return limit.perUniqueValue ? value : '';
}

function describeLimit(limit: TagConcurrencyLimit, run: QueueRun): string {
  if (limit.value !== undefined) return `tag ${limit.key}=${limit.value}`;
  if (limit.perUniqueValue) return `tag ${limit.key}=${run.tags[limit.key]}`;
  return `tag ${limit.key} (any value)`;
}
