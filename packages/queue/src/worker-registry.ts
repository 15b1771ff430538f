import type { QueueConnection } from './queue-connection.js';

/**
 * Workers list themselves in a Redis hash, refreshed by a heartbeat, so `queue status` can show
 * pools and the run worker can tell "no worker takes this queue" from "every slot is busy".
 */
export interface WorkerRegistration {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly mode: string;
  readonly queues: readonly string[];
  readonly concurrency: number;
  readonly active: number;
  readonly startedAt: number;
  readonly heartbeatAt: number;
}

/** A worker silent for this many heartbeats is not listed (and its entry is removed). */
const MISSED_HEARTBEATS = 3;

export async function registerWorker(connection: QueueConnection, registration: WorkerRegistration): Promise<void> {
  await connection.redis.hset(connection.keys.workers, registration.id, JSON.stringify(registration));
}

export async function unregisterWorker(connection: QueueConnection, id: string): Promise<void> {
  await connection.redis.hdel(connection.keys.workers, id);
}

/** Live workers; entries of workers that stopped heartbeating are dropped on the way. */
export async function listWorkers(connection: QueueConnection, now = Date.now()): Promise<WorkerRegistration[]> {
  const entries = await connection.redis.hgetall(connection.keys.workers);
  const maxAge = connection.config.workerHeartbeatSeconds * 1000 * MISSED_HEARTBEATS;
  const live: WorkerRegistration[] = [];
  const stale: string[] = [];
  for (const [id, json] of Object.entries(entries)) {
    let registration: WorkerRegistration | undefined;
    try {
      registration = JSON.parse(json) as WorkerRegistration;
    } catch {
      registration = undefined;
    }
    if (registration && now - registration.heartbeatAt <= maxAge) live.push(registration);
    else stale.push(id);
  }
  if (stale.length) await connection.redis.hdel(connection.keys.workers, ...stale);
  return live.sort((a, b) => a.id.localeCompare(b.id));
}
