import { type BullmqModule, type BullQueue, connectRedis, loadBullmq, type RedisClient } from './queue-client.js';
import { type QueueConfig, redisUrl } from './queue-config.js';
import { bullQueueName, type QueueKind, redisKeys } from './queue-names.js';

/**
 * One process's way into the instance's queues: a Redis connection shared by its Queue objects
 * (created once per queue), the key prefix, and the package's own keys.
 */
export class QueueConnection {
  readonly config: QueueConfig;
  readonly url: string;
  readonly keys: ReturnType<typeof redisKeys>;
  readonly bull: BullmqModule;
  readonly redis: RedisClient;
  readonly #queues = new Map<string, BullQueue>();

  private constructor(config: QueueConfig, url: string, bull: BullmqModule, redis: RedisClient) {
    this.config = config;
    this.url = url;
    this.keys = redisKeys(config);
    this.bull = bull;
    this.redis = redis;
  }

  static async open(config: QueueConfig, env: Readonly<Record<string, string | undefined>> = process.env) {
    const url = redisUrl(config, env);
    const bull = await loadBullmq();
    const redis = await connectRedis(url);
    // Errors are retried by ioredis (a restarting Redis); without a listener they would be thrown.
    redis.on('error', () => undefined);
    return new QueueConnection(config, url, bull, redis);
  }

  queue<D = unknown, R = unknown>(kind: QueueKind, name: string): BullQueue<D, R> {
    const full = bullQueueName(kind, name);
    let queue = this.#queues.get(full);
    if (!queue) {
      queue = new this.bull.Queue(full, { connection: this.redis, prefix: this.config.prefix });
      (queue as unknown as { on?: (e: string, l: () => void) => void }).on?.('error', () => undefined);
      this.#queues.set(full, queue);
    }
    return queue as BullQueue<D, R>;
  }

  /** A new connection of its own, for blocking reads and subscriptions. */
  async duplicate(): Promise<RedisClient> {
    const redis = await connectRedis(this.url);
    redis.on('error', () => undefined);
    return redis;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.close().catch(() => undefined)));
    this.#queues.clear();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
