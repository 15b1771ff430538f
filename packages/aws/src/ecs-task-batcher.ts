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
