import { randomBytes } from 'node:crypto';
import {
  BaseRunLauncher,
  type CheckRunTagsContext,
  type ComponentContext,
  type ConfigIssue,
  type InstanceConfig,
  InvalidConfigError,
  type LauncherCapabilities,
  type LaunchRunContext,
  type ResumeRunContext,
  type RunRecord,
  RunyardError,
  type TerminateContext,
  type TerminateResult,
  type WorkerHealth,
  type WorkerRef,
} from 'runyard';
import type { BullJob, BullJobState, BullQueue } from './queue-client.js';
import { type QueueConfig, queueConfigOf, redactedUrl } from './queue-config.js';
import { QueueConnection } from './queue-connection.js';
import { runJobId } from './queue-names.js';
import {
  type QueueRunLauncherConfig,
  queueRunLauncherConfigSchema,
  type ResolvedQueueRunLauncherConfig,
} from './queue-run-launcher-config.js';
import {
  describeExit,
  isQueueWorkerRef,
  type QueueWorkerRef,
  RUN_QUEUE_TAG,
  type RunCancelMessage,
  type RunHolder,
  type RunJobData,
  type RunJobResult,
  runJobKey,
} from './run-job.js';
import { listWorkers } from './worker-registry.js';

const POLL_MS = 50;
/** How long after SIGKILL (or a terminate's grace) a pool worker has to report the run worker gone. */
const KILL_WAIT_MS = 10_000;
/** A terminate is published again this often while the job is active: it may have just been taken. */
const REPUBLISH_MS = 500;
const LAUNCH_ATTEMPT_ENV = 'RUNYARD_LAUNCH_ATTEMPT';

/** Where a run's job is, as health, terminate, debugInfo and tests see it. */
export interface RunJobLocation {
  readonly ref: QueueWorkerRef;
  readonly state: BullJobState | 'missing';
  readonly holder?: RunHolder;
  readonly result?: RunJobResult;
  readonly failedReason?: string;
  /** Set by BullMQ on a job whose lock expired, which it fails when a worker next takes it. */
  readonly deferredFailure?: string;
}

/**
 * Runs wait on a run queue in Redis, and pools of `runyard queue worker --runs` on any machine
 * start their run workers (`runyard worker execute-run`), each in its own process group. Run queues
 * are never step queues: a pool whose slots all hold runs waiting on their own steps would wait
 * forever. See docs/queues.md (Runs on queues).
 */
export class QueueRunLauncher extends BaseRunLauncher {
  static readonly configSchema = queueRunLauncherConfigSchema;

  readonly #config: ResolvedQueueRunLauncherConfig;
  readonly #queueConfig: QueueConfig;
  readonly #raw: { readonly module?: string; readonly class: string; readonly config?: Record<string, unknown> };
  #connection: Promise<QueueConnection> | undefined;
  /** The Redis URL once connected, for messages (redacted). */
  #url: string | undefined;

  constructor(config: QueueRunLauncherConfig = {}, ctx?: ComponentContext) {
    super();
    const parsed = queueRunLauncherConfigSchema.safeParse(config);
    if (!parsed.success)
      throw new InvalidConfigError(
        'QueueRunLauncher config',
        parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
      );
    this.#config = Object.freeze(parsed.data);
    this.#queueConfig = queueSettings(this.#config, ctx?.instanceConfig);
    this.#raw = ctx?.raw ?? { class: 'QueueRunLauncher', config: { ...config } as Record<string, unknown> };
  }

  override get capabilities(): LauncherCapabilities {
    return { healthCheck: true, resume: true, debugInfo: true };
  }

  get terminateGraceMs(): number {
    return this.#config.terminateGraceSeconds * 1000;
  }

  get config(): ResolvedQueueRunLauncherConfig {
    return this.#config;
  }

  /** The run queues runs may wait on. */
  get runQueues(): readonly string[] {
    return this.#config.queues ?? [this.#config.queue];
  }

  /** An unknown run queue is refused at submit: no pool takes it, so the run would wait for ever. */
  checkRunTags(ctx: CheckRunTagsContext): readonly ConfigIssue[] {
    const name = ctx.tags[RUN_QUEUE_TAG];
    if (name === undefined || this.runQueues.includes(name)) return [];
    return [
      {
        path: RUN_QUEUE_TAG,
        message: `unknown run queue '${name}' for job '${ctx.jobName}'; QueueRunLauncher's queues are ${this.runQueues.join(', ')} (config key 'queues')`,
      },
    ];
  }

  launchRun(ctx: LaunchRunContext): Promise<WorkerRef> {
    return this.#enqueue(ctx, 0);
  }

  /** A new run job for the same run; its worker's `--resume` skips the steps that succeeded. */
  override resumeRun(ctx: ResumeRunContext): Promise<WorkerRef> {
    return this.#enqueue(ctx, ctx.resumeAttempt);
  }

  async #enqueue(ctx: LaunchRunContext, resumeAttempt: number): Promise<WorkerRef> {
    const name = ctx.run.tags[RUN_QUEUE_TAG] ?? this.#config.queue;
    if (!this.runQueues.includes(name))
      throw new InvalidConfigError(
        `${RUN_QUEUE_TAG} tag of run ${ctx.run.runId}`,
        this.checkRunTags({ jobName: ctx.run.jobName, tags: ctx.run.tags }),
      );
    const connection = await this.#open();
    const queue = connection.queue<RunJobData, RunJobResult>('runs', name);
    const attempt = Number(ctx.worker.env[LAUNCH_ATTEMPT_ENV] ?? 0) || 0;
    let jobId = runJobId(ctx.run.runId, attempt, resumeAttempt);
    // A second launch of the same attempt (a duplicate launch) is a second worker, which refuses
    // the run, so it gets a job of its own.
    if (await this.#redis('look up the run job', () => queue.getJob(jobId)))
      jobId = `${jobId}.${randomBytes(3).toString('hex')}`;
    const keep = { age: this.#config.keepEndedJobsSeconds };
    // The add itself is idempotent: ioredis sends it again after a reconnect, and BullMQ adds a
    // job id once.
    await this.#redis('enqueue the run job', () =>
      queue.add(
        'run',
        { runId: ctx.run.runId, args: ctx.worker.args, env: ctx.worker.env },
        { jobId, attempts: 1, removeOnComplete: keep, removeOnFail: keep },
      ),
    );
    const ref: QueueWorkerRef = { launcher: 'QueueRunLauncher', externalId: jobId, queue: name, bullQueue: queue.name };
    await ctx.recordWorker(ref);
    return ref;
  }

  /** The run's job: its state, the pool worker holding it, and how its run worker ended. */
  async locate(run: RunRecord): Promise<RunJobLocation | undefined> {
    const ref = isQueueWorkerRef(run.worker) ? run.worker : undefined;
    if (!ref) return undefined;
    const connection = await this.#open();
    const job = await this.#queueOf(connection, ref).getJob(ref.externalId);
    if (!job) return { ref, state: 'missing' };
    const state = await job.getState();
    const holderJson = await connection.redis.hget(
      connection.keys.runHolders,
      runJobKey(ref.bullQueue, ref.externalId),
    );
    const holder = holderJson ? (JSON.parse(holderJson) as RunHolder) : undefined;
    const result = job.returnvalue && typeof job.returnvalue === 'object' ? job.returnvalue : undefined;
    const deferred = (job as { deferredFailure?: unknown }).deferredFailure;
    return {
      ref,
      state,
      ...(holder ? { holder } : {}),
      ...(result ? { result } : {}),
      ...(job.failedReason ? { failedReason: job.failedReason } : {}),
      ...(typeof deferred === 'string' && deferred ? { deferredFailure: deferred } : {}),
    };
  }

  async terminate(ctx: TerminateContext): Promise<TerminateResult> {
    const ref = isQueueWorkerRef(ctx.run.worker) ? ctx.run.worker : undefined;
    if (!ref) return { stopped: false, escalated: false, detail: 'no run job was recorded for the run' };
    const connection = await this.#open();
    const queue = this.#queueOf(connection, ref);
    const label = `run job ${ref.externalId} on queue ${ref.bullQueue}`;
    const deadline = Date.now() + ctx.graceMs + KILL_WAIT_MS;
    let published = 0;
    for (;;) {
      const job = await queue.getJob(ref.externalId);
      if (!job) return { stopped: false, escalated: false, detail: `${label} no longer exists` };
      const state = await job.getState();
      if ((job as { deferredFailure?: unknown }).deferredFailure && state !== 'completed' && state !== 'failed') {
        // Its pool worker was lost (see checkRunWorkerHealth): no run worker is left to stop.
        await queue.remove(ref.externalId).catch(() => 0);
        return {
          stopped: false,
          escalated: false,
          detail: `${label}: its pool worker was lost, and its run worker with it`,
        };
      }
      if (state === 'completed' || state === 'failed') {
        // Stopped by this call's message, or had ended (by itself, or by an earlier terminate).
        const result = job.returnvalue;
        if (result?.terminated && published > 0) return { stopped: true, ...result.terminated };
        return { stopped: false, escalated: false, detail: ended(label, job) };
      }
      if (state !== 'active') {
        // Still waiting: no run worker exists yet. Removing fails if a pool worker takes it now.
        if ((await queue.remove(ref.externalId).catch(() => 0)) === 1)
          return { stopped: true, escalated: false, detail: `removed ${label} before a pool worker took it` };
        await sleep(POLL_MS);
        continue;
      }
      if (Date.now() - published >= REPUBLISH_MS) {
        const message: RunCancelMessage = { jobKey: runJobKey(ref.bullQueue, ref.externalId), graceMs: ctx.graceMs };
        await connection.redis.publish(connection.keys.runCancelChannel, JSON.stringify(message));
        published = Date.now();
      }
      const lost = await this.#lostHolder(connection, ref);
      if (lost) return { stopped: false, escalated: false, detail: `${label}: ${lost}` };
      if (Date.now() > deadline)
        throw new RunyardError(`${label} is still active ${formatMs(ctx.graceMs + KILL_WAIT_MS)} after the terminate`);
      await sleep(POLL_MS);
    }
  }

  /**
   * From the run job: waiting (not started yet), active at a pool worker that still holds it,
   * active but its pool worker gone (lock expired, no heartbeat: infra), or ended with the run
   * worker's exit status.
   */
  override async checkRunWorkerHealth(run: RunRecord): Promise<WorkerHealth> {
    try {
      return await this.#redis('check the run job', () => this.#health(run));
    } catch (error) {
      if (!(error instanceof RedisTimeoutError)) throw error;
      return { status: 'UNKNOWN', transient: true, reason: error.message };
    }
  }

  async #health(run: RunRecord): Promise<WorkerHealth> {
    const where = await this.locate(run);
    if (!where) return { status: 'NOT_FOUND', reason: 'no run job was recorded for the run' };
    const label = `run job ${where.ref.externalId} on queue ${where.ref.bullQueue}`;
    // BullMQ 6 sends a job whose lock expired back to wait, marked to fail when a worker next takes
    // it (and takes it for a moment to do so): whatever its state now, its pool worker lost it.
    if (where.deferredFailure && where.state !== 'completed' && where.state !== 'missing')
      return { status: 'FAILED', failureClass: 'infra', retryable: true, reason: lostReason(label, where.holder) };
    switch (where.state) {
      case 'missing':
        return { status: 'NOT_FOUND', reason: `${label} no longer exists (removed, or past keepEndedJobsSeconds)` };
      case 'completed': {
        const result = where.result;
        if (!result) return { status: 'UNKNOWN', transient: true, reason: `${label} completed without a result` };
        if (result.notStarted) return { status: 'NOT_FOUND', reason: `${label}: ${result.notStarted}` };
        if (result.fenced)
          return {
            status: 'FAILED',
            failureClass: 'infra',
            retryable: true,
            reason: `${label}: pool worker ${result.pool} (${result.host}) killed its run worker: ${result.fenced}`,
          };
        const at = `on pool worker ${result.pool} (${result.host})`;
        if (result.exitCode === 0) return { status: 'SUCCESS', exitCode: 0, reason: `${describeExit(result)} ${at}` };
        return {
          status: 'FAILED',
          ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
          ...(result.signal ? { signal: result.signal } : {}),
          failureClass: 'user',
          retryable: false,
          reason: `${describeExit(result)} ${at}`,
        };
      }
      case 'failed': {
        const reason = where.failedReason ?? where.deferredFailure ?? 'no reason given';
        // BullMQ fails a job whose lock expired ("stalled"), and a pool worker that ends a run
        // cleanly removes its holder record: either way its pool worker was lost.
        const lost = /stalled/i.test(reason) || where.holder !== undefined;
        return {
          status: 'FAILED',
          failureClass: 'infra',
          retryable: lost,
          reason: lost ? lostReason(label, where.holder) : `${label} failed in ${holderName(where.holder)}: ${reason}`,
        };
      }
      case 'active': {
        const connection = await this.#open();
        const lost = await this.#lostHolder(connection, where.ref);
        if (lost)
          return {
            status: 'FAILED',
            failureClass: 'infra',
            // A lost machine or pool process, as a preempted pod: the run may go on elsewhere.
            retryable: true,
            reason: `${label}: ${lost}`,
          };
        const holder = where.holder;
        return holder
          ? { status: 'RUNNING', reason: `run worker pid ${holder.pid} on pool worker ${holder.pool} (${holder.host})` }
          : { status: 'UNKNOWN', transient: true, reason: `${label} was just taken by a pool worker` };
      }
      default:
        return {
          status: 'UNKNOWN',
          transient: true,
          reason: `${label} is ${where.state}, waiting for a pool worker of queue '${where.ref.queue}'`,
        };
    }
  }

  override async debugInfo(run: RunRecord): Promise<string | undefined> {
    const where = await this.locate(run);
    if (!where) return undefined;
    const health = await this.checkRunWorkerHealth(run);
    const lines = [
      `run job ${where.ref.externalId} on queue ${where.ref.bullQueue}: ${where.state}; health ${health.status}${health.reason ? `, ${health.reason}` : ''}`,
    ];
    const holder = where.holder ?? where.result;
    if (holder)
      lines.push(`pool worker ${holder.pool} on ${holder.host}, run worker process group ${holder.pgid ?? 'none'}`);
    if (where.failedReason) lines.push(`failed reason: ${where.failedReason}`);
    if (where.result?.stderrTail) lines.push(`last lines of stderr:\n${where.result.stderrTail}`);
    return lines.join('\n');
  }

  toConfig() {
    return this.#raw;
  }

  override async dispose(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection) await (await connection.catch(() => undefined))?.close();
  }

  /**
   * Why the holder of an active job is taken for gone, or undefined while it may be alive. The
   * lock expires only when its pool worker stopped renewing it, and a pool worker that cannot
   * renew kills its run worker first (cli/run-pool-worker.ts); a dead one's run worker dies with it.
   */
  async #lostHolder(connection: QueueConnection, ref: QueueWorkerRef): Promise<string | undefined> {
    const lockKey = `${this.#queueConfig.prefix}:${ref.bullQueue}:${ref.externalId}:lock`;
    if ((await (connection.redis as unknown as LockReader).exists(lockKey)) === 1) return undefined;
    const holderJson = await connection.redis.hget(
      connection.keys.runHolders,
      runJobKey(ref.bullQueue, ref.externalId),
    );
    const holder = holderJson ? (JSON.parse(holderJson) as RunHolder) : undefined;
    if (holder?.fenced) return fencedReason(holder);
    if (holder && (await this.#poolAlive(holder))) return undefined;
    return `${holderName(holder)} is gone: no heartbeat, and its lock on the job expired; its run worker was killed with it`;
  }

  async #poolAlive(holder: RunHolder): Promise<boolean> {
    const live = await listWorkers(await this.#open());
    return live.some((w) => w.id === holder.pool);
  }

  #queueOf(connection: QueueConnection, ref: QueueWorkerRef): BullQueue<RunJobData, RunJobResult> {
    return connection.queue<RunJobData, RunJobResult>('runs', ref.queue);
  }

  /**
   * Redis calls wait across a Redis restart (the connection retries for ever), which a launch or a
   * health check must not do: after `redisTimeoutSeconds` they fail, naming Redis.
   */
  async #redis<T>(what: string, call: () => Promise<T>): Promise<T> {
    const ms = this.#config.redisTimeoutSeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const url = this.#url ? redactedUrl(this.#url) : 'Redis';
        reject(new RedisTimeoutError(`could not ${what}: no answer from ${url} within ${formatMs(ms)}`));
      }, ms);
    });
    try {
      return await Promise.race([call(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #open(): Promise<QueueConnection> {
    this.#connection ??= QueueConnection.open(this.#queueConfig).then(
      (connection) => {
        this.#url = connection.url;
        return connection;
      },
      (error: unknown) => {
        this.#connection = undefined;
        throw error;
      },
    );
    return this.#connection;
  }
}

class RedisTimeoutError extends RunyardError {
  override readonly name = 'RedisTimeoutError';
}

interface LockReader {
  exists(key: string): Promise<number>;
}

/**
 * The Redis settings: the instance's `queue:` section, with this launcher's own `connection` if
 * given (the key prefix stays the instance's, so pools find the runs).
 */
function queueSettings(config: ResolvedQueueRunLauncherConfig, instance: InstanceConfig | undefined): QueueConfig {
  if (!config.connection && !instance)
    throw new InvalidConfigError('QueueRunLauncher config', [
      {
        path: 'connection',
        message: "give a connection, or open the launcher with an instance that has a 'queue:' section",
      },
    ]);
  if (!config.connection) return queueConfigOf(instance as InstanceConfig);
  const section = (instance?.queue ?? {}) as Record<string, unknown>;
  return queueConfigOf({ ...(instance ?? {}), queue: { ...section, connection: config.connection } } as InstanceConfig);
}

function lostReason(label: string, holder: RunHolder | undefined): string {
  if (holder?.fenced) return `${label}: ${fencedReason(holder)}`;
  return `${label}: ${holderName(holder)} was lost (its lock on the job expired); its run worker was killed with it`;
}

function fencedReason(holder: RunHolder): string {
  return `${holderName(holder)} killed its run worker: ${holder.fenced}`;
}

function holderName(holder: RunHolder | undefined): string {
  return holder
    ? `pool worker ${holder.pool} (${holder.host}, run worker pid ${holder.pid})`
    : 'the pool worker that took it';
}

function ended(label: string, job: BullJob<RunJobData, RunJobResult>): string {
  const result = job.returnvalue;
  if (result?.notStarted) return `${label}: ${result.notStarted}`;
  if (result?.terminated) return `${label} had already been stopped: ${result.terminated.detail}`;
  if (result) return `${label} had already ended: ${describeExit(result)}`;
  return `${label} had already ended: ${job.failedReason ?? 'no result'}`;
}

function formatMs(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 1000 ? 1 : 0)} s`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
