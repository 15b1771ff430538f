import type { QueueConnection } from './queue-connection.js';
import type { WorkerRegistration } from './worker-registry.js';

/**
 * Why a step on `queue` is still waiting, in words for `run logs`: no worker takes the queue, the
 * queue's limit is reached, or every worker's slots are busy.
 */
export interface WaitingReason {
  /** What kind of wait: recorded again only when this changes, not when a count does. */
  readonly kind: 'limit' | 'no-worker' | 'busy' | 'unknown';
  readonly text: string;
}

export async function waitingReason(
  connection: QueueConnection,
  queue: string,
  workers: readonly WorkerRegistration[] | undefined,
): Promise<WaitingReason> {
  const q = connection.queue('steps', queue);
  const [limit, counts] = await Promise.all([q.getGlobalConcurrency(), q.getJobCounts('active')]);
  const active = counts.active ?? 0;
  if (limit !== null && limit !== undefined && active >= limit)
    return { kind: 'limit', text: `waiting for a free slot on queue ${queue} (${active}/${limit} in use)` };
  if (workers) {
    const serving = workers.filter((w) => w.mode === 'steps' && w.queues.includes(queue));
    if (serving.length === 0)
      return { kind: 'no-worker', text: `waiting for a worker: no running worker takes queue ${queue}` };
    const slots = serving.reduce((sum, w) => sum + w.concurrency, 0);
    return {
      kind: 'busy',
      text: `waiting for a free worker slot on queue ${queue} (${serving.length} worker(s), ${slots} slot(s), all busy)`,
    };
  }
  return { kind: 'unknown', text: `waiting on queue ${queue}` };
}
