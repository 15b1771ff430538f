import type { EcsApi, EcsTask } from './ecs-client.js';
import { type RetryPolicy, withAwsRetry } from './ecs-retry.js';

/** DescribeTasks takes at most this many tasks a call. */
export const DESCRIBE_BATCH = 100;

interface Waiter {
  readonly arn: string;
  resolve(task: EcsTask | undefined): void;
  reject(error: unknown): void;
}

/**
 * DescribeTasks for many tasks in as few calls as ECS allows. `describe` answers many ARNs at once
 * (for a monitor that checks all its runs in a tick); `get` for one task joins the other `get`s
 * made in the same tick, so health checks made together cost one call per 100 tasks.
 */
export class EcsTaskBatcher {
  readonly #api: () => Promise<EcsApi>;
  readonly #retry: RetryPolicy;
  readonly #pending = new Map<string, Waiter[]>();
  #scheduled = false;
  /** Tasks health was asked about, by cluster: one sweep describes them all (see `getForTick`). */
  readonly #watched = new Map<string, Set<string>>();
  readonly #cache = new Map<string, { readonly task: EcsTask | undefined; readonly at: number }>();
  readonly #sweeps = new Map<string, Promise<void>>();
  readonly #nextSweeps = new Map<string, Promise<void>>();
  /** DescribeTasks calls made, for tests and the bench. */
  calls = 0;

  constructor(api: () => Promise<EcsApi>, retry: RetryPolicy) {
    this.#api = api;
    this.#retry = retry;
  }

  /** The tasks by ARN; a task ECS no longer knows is missing from the map. */
  async describe(cluster: string, arns: readonly string[]): Promise<Map<string, EcsTask>> {
    const api = await this.#api();
    const found = new Map<string, EcsTask>();
    const unique = [...new Set(arns)];
    for (let i = 0; i < unique.length; i += DESCRIBE_BATCH) {
      const chunk = unique.slice(i, i + DESCRIBE_BATCH);
      this.calls++;
      const answer = await withAwsRetry(
        () => api.describeTasks({ cluster, tasks: chunk, include: ['TAGS'] }),
        this.#retry,
      );
      for (const task of answer.tasks ?? []) if (task.taskArn) found.set(task.taskArn, task);
    }
    return found;
  }

  /** One task, described together with every other `get` of the same tick. */
  get(cluster: string, arn: string): Promise<EcsTask | undefined> {
    return new Promise((resolve, reject) => {
      const list = this.#pending.get(cluster) ?? [];
      list.push({ arn, resolve, reject });
      this.#pending.set(cluster, list);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  /**
   * One task for a health check, answered from a short-lived cache filled by sweeps: a miss
   * describes this task together with every task health was asked about before (100 a call), so
   * a monitor that checks its runs one after another costs one sweep per tick, not one call per run.
   * Answers are at most `maxAgeMs` old; terminate and launch waits use `get`, which is never cached.
   */
  async getForTick(cluster: string, arn: string, maxAgeMs: number): Promise<EcsTask | undefined> {
    const key = `${cluster}\u0000${arn}`;
    const fresh = () => {
      const hit = this.#cache.get(key);
      return hit && Date.now() - hit.at <= maxAgeMs ? hit : undefined;
    };
    const hit = fresh();
    if (hit) return hit.task;
    const running = this.#sweeps.get(cluster);
    if (running) {
      await running.catch(() => undefined);
      const after = fresh();
      if (after) return after.task;
    }
    const watched = this.#watched.get(cluster) ?? new Set<string>();
    watched.add(arn);
    this.#watched.set(cluster, watched);
    // Checks made in the same tick join one sweep, started once they have all said what they want.
    let next = this.#nextSweeps.get(cluster);
    if (!next) {
      next = new Promise<void>((r) => setImmediate(r)).then(() => {
        this.#nextSweeps.delete(cluster);
        const sweep = this.#sweep(cluster, [...watched]).finally(() => {
          if (this.#sweeps.get(cluster) === sweep) this.#sweeps.delete(cluster);
        });
        this.#sweeps.set(cluster, sweep);
        return sweep;
      });
      this.#nextSweeps.set(cluster, next);
    }
    await next;
    return this.#cache.get(key)?.task;
  }

  /** Drops the cached answer for a task, so the next `getForTick` describes it afresh. */
  forget(cluster: string, arn: string): void {
    this.#cache.delete(`${cluster}\u0000${arn}`);
  }

  async #sweep(cluster: string, arns: readonly string[]): Promise<void> {
    const found = await this.describe(cluster, arns);
    const at = Date.now();
    const watched = this.#watched.get(cluster);
    for (const arn of arns) {
      const task = found.get(arn);
      this.#cache.set(`${cluster}\u0000${arn}`, { task, at });
      // A stopped or forgotten task does not change any more: no need to sweep it again.
      if (!task || task.lastStatus === 'STOPPED' || task.lastStatus === 'DELETED') watched?.delete(arn);
    }
    for (const [key, entry] of this.#cache) if (at - entry.at > 60_000) this.#cache.delete(key);
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    const batches = [...this.#pending];
    this.#pending.clear();
    await Promise.all(
      batches.map(async ([cluster, waiters]) => {
        try {
          const found = await this.describe(
            cluster,
            waiters.map((w) => w.arn),
          );
          for (const w of waiters) w.resolve(found.get(w.arn));
        } catch (error) {
          for (const w of waiters) w.reject(error);
        }
      }),
    );
  }
}
