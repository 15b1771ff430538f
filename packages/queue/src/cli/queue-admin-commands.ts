import type { PluginCommandContext } from 'runyard';
import { type QueueConfig, queueConfigOf, redactedUrl } from '../queue-config.js';
import { QueueConnection } from '../queue-connection.js';
import { listWorkers, type WorkerRegistration } from '../worker-registry.js';

async function withConnection<T>(ctx: PluginCommandContext, fn: (c: QueueConnection) => Promise<T>): Promise<T> {
  const instance = await ctx.openInstance();
  let config: QueueConfig;
  try {
    config = queueConfigOf(instance.config);
  } finally {
    await instance.dispose();
  }
  const connection = await QueueConnection.open(config);
  try {
    return await fn(connection);
  } finally {
    await connection.close();
  }
}

/** `runyard queue limit <queue> <n|none>`: a limit across every worker and run, at once. */
export async function queueLimitCommand(queue: string, limit: number | undefined, ctx: PluginCommandContext) {
  await withConnection(ctx, async (connection) => {
    const q = connection.queue('steps', queue);
    if (limit === undefined) await q.removeGlobalConcurrency();
    else await q.setGlobalConcurrency(limit);
  });
  process.stdout.write(
    limit === undefined
      ? `queue ${queue}: no limit\n`
      : `queue ${queue}: at most ${limit} step(s) at once, across every worker\n`,
  );
  return 0;
}

export interface QueueStatus {
  readonly redis: string;
  readonly prefix: string;
  readonly workers: readonly WorkerRegistration[];
  readonly queues: readonly {
    readonly name: string;
    readonly waiting: number;
    readonly active: number;
    readonly delayed: number;
    readonly failed: number;
    readonly completed: number;
    readonly limit: number | null;
    readonly workers: number;
  }[];
}

/** Pools, queues, depth, active steps and limits. */
export async function queueStatus(connection: QueueConnection): Promise<QueueStatus> {
  const workers = await listWorkers(connection);
  const names = new Set<string>([connection.config.defaultQueue, ...Object.keys(connection.config.queues)]);
  for (const w of workers) if (w.mode === 'steps') for (const q of w.queues) names.add(q);
  const queues = [];
  for (const name of [...names].sort()) {
    const q = connection.queue('steps', name);
    const [counts, limit] = await Promise.all([
      q.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'),
      q.getGlobalConcurrency(),
    ]);
    queues.push({
      name,
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      completed: counts.completed ?? 0,
      limit: limit ?? null,
      workers: workers.filter((w) => w.mode === 'steps' && w.queues.includes(name)).length,
    });
  }
  return { redis: redactedUrl(connection.url), prefix: connection.config.prefix, workers, queues };
}

export async function queueStatusCommand(json: boolean, ctx: PluginCommandContext): Promise<number> {
  const status = await withConnection(ctx, queueStatus);
  if (json) {
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return 0;
  }
  const lines = [
    `redis ${status.redis} (prefix ${status.prefix})`,
    '',
    'QUEUE            WAITING  ACTIVE  LIMIT  WORKERS',
  ];
  for (const q of status.queues)
    lines.push(
      `${q.name.padEnd(16)} ${String(q.waiting).padStart(7)}  ${String(q.active).padStart(6)}  ${String(q.limit ?? '-').padStart(5)}  ${String(q.workers).padStart(7)}`,
    );
  lines.push(
    '',
    status.workers.length ? 'WORKER                           MODE   QUEUES               ACTIVE/SLOTS' : 'no workers',
  );
  for (const w of status.workers)
    lines.push(`${w.id.padEnd(32)} ${w.mode.padEnd(6)} ${w.queues.join(',').padEnd(20)} ${w.active}/${w.concurrency}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
