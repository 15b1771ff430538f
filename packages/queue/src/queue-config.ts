import type { InstanceConfig } from 'runyard';
import { InvalidConfigError, RunyardError } from 'runyard';
import { z } from 'zod';

/**
 * The instance's queue settings: runyard.yaml's top-level `queue:` key, which core accepts as a
 * mapping and hands to this package to check (`configSections.queue`).
 *
 *   queue:
 *     connection: { url: { env: REDIS_URL } }     # redis://[:password@]host:port[/db]
 *     queues: { warehouse: { limit: 4 } }         # at most 4 warehouse steps at once, everywhere
 *     lockDurationMs: 10000                       # a killed worker's step fails this soon
 */

/** Queue names: what ops name in `runyard/queue` tags and workers in `--queues`. */
export const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
export const QUEUE_NAME_RULE = 'a letter or digit, then letters, digits, _ or - (at most 63)';

const envRef = z.strictObject({ env: z.string().min(1) });
const queueName = z.string().regex(QUEUE_NAME, { message: `a queue name is ${QUEUE_NAME_RULE}` });

export const queueConfigSchema = z.strictObject({
  connection: z.strictObject({
    /** `redis://[:password@]host:port[/db]` or `rediss://…`; `{ env: NAME }` keeps the password out of the file. */
    url: z.union([z.string().regex(/^rediss?:\/\//), envRef], {
      error: "expected a URL starting with 'redis://' or 'rediss://', or { env: NAME }",
    }),
  }),
  /** Redis key prefix of every queue, so several instances can share one Redis. */
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, { message: 'letters, digits, _ and - only' })
    .default('runyard'),
  /** The queue of steps whose op names none (`runyard/queue` tag). */
  defaultQueue: queueName.default('default'),
  /** Per-queue settings; a queue not listed has no limit. `runyard queue limit` changes a limit live. */
  queues: z.record(queueName, z.strictObject({ limit: z.number().int().min(1).optional() })).default({}),
  /**
   * How long a worker's hold on a step lasts without renewal: a worker killed mid-step is noticed,
   * and its step failed as "worker lost", within about this long (BullMQ renews at half of it).
   */
  lockDurationMs: z.number().int().min(500).default(10_000),
  /** How often the run worker checks storage and Redis for steps whose events it missed. */
  reconcileIntervalSeconds: z.number().positive().default(3),
  /** How often a worker refreshes its registration; one silent for 3 times this is not listed. */
  workerHeartbeatSeconds: z.number().positive().default(5),
  /**
   * How long a cancelled step process has, after SIGTERM, before it is SIGKILLed. Under the run
   * worker's own 8 s wait after its SIGTERM, so a stopped step still reports back.
   */
  terminateGraceSeconds: z.number().nonnegative().default(5),
  /**
   * The IO manager's storage is reachable from every worker (a FileSystemIOManager on a network
   * share, or every worker on this machine). Without it, a local IO manager is refused at launch.
   */
  sharedIoManager: z.boolean().default(false),
});

export type QueueConfigInput = z.input<typeof queueConfigSchema>;
export type QueueConfig = z.output<typeof queueConfigSchema>;

/** What this package gives core to check runyard.yaml's `queue:` with (see core's plugin-sections). */
export const configSections = Object.freeze({ queue: queueConfigSchema });

/**
 * The queue settings of an instance, checked; a bad or missing section is a user error that names
 * the key path (exit 2).
 */
export function queueConfigOf(config: InstanceConfig): QueueConfig {
  const section = config.queue;
  if (section === undefined)
    throw new RunyardError(
      `queues need a 'queue:' section in ${config.file ?? 'runyard.yaml'}, e.g. queue: { connection: { url: { env: REDIS_URL } } }`,
      { userError: true },
    );
  const parsed = queueConfigSchema.safeParse(section);
  if (!parsed.success)
    throw new InvalidConfigError(
      'instance config',
      parsed.error.issues.map((issue) => ({
        path: ['queue', ...issue.path.map(String)].join('.'),
        message: issue.message,
      })),
      { file: config.file },
    );
  return parsed.data;
}

/** The Redis URL, with an env reference read from `env`. Never logged: it may hold a password. */
export function redisUrl(config: QueueConfig, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const { url } = config.connection;
  if (typeof url === 'string') return url;
  const value = env[url.env];
  if (value === undefined || value === '')
    throw new InvalidConfigError('instance config', [
      { path: 'queue.connection.url', message: `environment variable ${url.env} is not set` },
    ]);
  if (!/^rediss?:\/\//.test(value))
    throw new InvalidConfigError('instance config', [
      { path: 'queue.connection.url', message: `${url.env} must hold a URL starting with 'redis://' or 'rediss://'` },
    ]);
  return value;
}

/** The URL without its password, for messages and `queue status`. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis://(unparseable URL)';
  }
}
