/**
 * The few BullMQ and ioredis calls this package makes, typed here so that both stay lazily loaded
 * peer dependencies: importing `@runyard/queue` (core does, to check runyard.yaml's `queue:`)
 * loads neither until something talks to Redis.
 */

export type BullJobState =
  | 'completed'
  | 'failed'
  | 'delayed'
  | 'active'
  | 'waiting'
  | 'waiting-children'
  | 'prioritized'
  | 'unknown';

export interface BullJob<D = unknown, R = unknown> {
  readonly id?: string;
  readonly name: string;
  readonly data: D;
  readonly returnvalue: R;
  readonly failedReason?: string;
  readonly processedOn?: number;
  readonly timestamp: number;
  readonly priority: number;
  getState(): Promise<BullJobState>;
}

export interface BullJobOptions {
  readonly jobId: string;
  readonly priority?: number;
  readonly attempts?: number;
  readonly removeOnComplete?: boolean | number | { age?: number; count?: number };
  readonly removeOnFail?: boolean | number | { age?: number; count?: number };
}

export interface BullQueue<D = unknown, R = unknown> {
  readonly name: string;
  add(name: string, data: D, options: BullJobOptions): Promise<BullJob<D, R>>;
  getJob(id: string): Promise<BullJob<D, R> | undefined>;
  getJobState(id: string): Promise<BullJobState>;
  getJobs(types: string[], start?: number, end?: number, asc?: boolean): Promise<BullJob<D, R>[]>;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  remove(id: string): Promise<number>;
  setGlobalConcurrency(concurrency: number): Promise<number>;
  removeGlobalConcurrency(): Promise<number>;
  getGlobalConcurrency(): Promise<number | null>;
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
}

export interface BullWorker {
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'failed', listener: (job: BullJob | undefined, error: Error) => void): this;
  run(): Promise<void>;
  waitUntilReady(): Promise<unknown>;
  /** Stops taking jobs; with `force` false, waits for the active ones. */
  close(force?: boolean): Promise<void>;
  pause(doNotWaitActive?: boolean): Promise<void>;
}

export interface BullWorkerOptions {
  readonly connection: unknown;
  readonly prefix: string;
  readonly concurrency: number;
  readonly lockDuration: number;
  readonly stalledInterval: number;
  readonly maxStalledCount: number;
  readonly autorun?: boolean;
  readonly removeOnComplete?: { age?: number; count?: number };
  readonly removeOnFail?: { age?: number; count?: number };
}

export interface BullQueueEvents {
  on(event: 'completed', listener: (args: { jobId: string; returnvalue: unknown }) => void): this;
  on(event: 'failed', listener: (args: { jobId: string; failedReason: string }) => void): this;
  on(event: 'active', listener: (args: { jobId: string }) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
}

export interface RedisClient {
  publish(channel: string, message: string): Promise<number>;
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  hset(key: string, field: string, value: string): Promise<number>;
  hdel(key: string, ...fields: string[]): Promise<number>;
  hgetall(key: string): Promise<Record<string, string>>;
  hget(key: string, field: string): Promise<string | null>;
  ping(): Promise<string>;
  quit(): Promise<unknown>;
  disconnect(): void;
}

export interface BullmqModule {
  Queue: new <D, R>(name: string, options: { connection: unknown; prefix: string }) => BullQueue<D, R>;
  Worker: new (
    name: string,
    processor: (job: BullJob, token?: string, signal?: AbortSignal) => Promise<unknown>,
    options: BullWorkerOptions,
  ) => BullWorker;
  QueueEvents: new (name: string, options: { connection: unknown; prefix: string }) => BullQueueEvents;
}

type RedisConstructor = new (url: string, options: Record<string, unknown>) => RedisClient;

let bullmq: Promise<BullmqModule> | undefined;
let ioredis: Promise<RedisConstructor> | undefined;

/** Imports bullmq on first use, with an install hint when it is missing. */
export function loadBullmq(): Promise<BullmqModule> {
  bullmq ??= import('bullmq').then(
    (mod) => mod as unknown as BullmqModule,
    (error: unknown) => {
      bullmq = undefined;
      throw new Error(
        "@runyard/queue needs the 'bullmq' and 'ioredis' packages beside it (npm install bullmq ioredis)",
        {
          cause: error,
        },
      );
    },
  );
  return bullmq;
}

async function loadIoredis(): Promise<RedisConstructor> {
  ioredis ??= import('ioredis').then(
    (mod) => ((mod as { default?: unknown }).default ?? (mod as { Redis?: unknown }).Redis) as RedisConstructor,
    (error: unknown) => {
      ioredis = undefined;
      throw new Error("@runyard/queue needs the 'ioredis' package beside it (npm install ioredis)", { cause: error });
    },
  );
  return ioredis;
}

/**
 * A Redis connection as BullMQ wants it for workers and blocking calls: no per-command retry
 * limit (commands wait across a Redis restart rather than failing), reconnecting for ever.
 */
export async function connectRedis(url: string, options: { readonly lazy?: boolean } = {}): Promise<RedisClient> {
  const Redis = await loadIoredis();
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    lazyConnect: options.lazy ?? false,
    // Back off to at most a second between attempts: a restarted Redis is found again quickly.
    retryStrategy: (times: number) => Math.min(100 * times, 1000),
  });
}
