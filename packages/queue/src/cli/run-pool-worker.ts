import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Instance, PluginCommandContext } from 'runyard';
import { workerEnvironment } from 'runyard';
import { waitForGroupGone } from '../process-group.js';
import type { BullJob, BullWorker, RedisClient } from '../queue-client.js';
import { type QueueConfig, queueConfigOf } from '../queue-config.js';
import { QueueConnection } from '../queue-connection.js';
import { bullQueueName } from '../queue-names.js';
import {
  exitOf,
  type RunCancelMessage,
  type RunHolder,
  type RunJobData,
  type RunJobResult,
  runJobKey,
} from '../run-job.js';
import { registerWorker, unregisterWorker } from '../worker-registry.js';
import type { QueueWorkerOptions } from './queue-worker-options.js';
import { WorkerSlots } from './worker-slots.js';

/**
 * The run worker's supervisor, the leader of its process group. It waits for the run worker (a
 * trapped SIGTERM, sent to the whole group by a terminate, only interrupts the wait) and exits with
 * its status. A watcher in the group reads the pool worker's end of a pipe: when the pool worker
 * dies (SIGKILL, a lost machine aside) the pipe closes and the watcher SIGKILLs the group, so no run
 * worker runs on without the pool worker that answers for it.
 */
const SUPERVISOR = [
  'trap : TERM INT',
  'exec 3<&0',
  '"$0" "$@" </dev/null 3<&- &',
  'w=$!',
  "{ trap '' TERM INT; read -r _ <&3; kill -KILL 0; } </dev/null &",
  'r=$!',
  'wait "$w"; code=$?',
  'while kill -0 "$w" 2>/dev/null; do wait "$w"; code=$?; done',
  'kill -KILL "$r" 2>/dev/null',
  'exit "$code"',
].join('\n');

const STDERR_TAIL_LINES = 20;
const GROUP_GONE_WAIT_MS = 5_000;

/** The one call beyond queue-client.ts's BullJob that handing a job back needs. */
type HandBackJob = BullJob<RunJobData> & { moveToWait(token?: string): Promise<number> };

interface ActiveRun {
  readonly runId: string;
  child?: ChildProcess;
  pgid?: number;
  terminate?: { escalated: boolean; graceMs: number; timer?: NodeJS.Timeout };
  /** When BullMQ last renewed this worker's lock on the job (taken: the lock is new). */
  renewedAt: number;
  /** Why the run worker was killed because this worker no longer holds the job (see #fence). */
  fenced?: string;
}

/** BullMQ's lock events, beyond queue-client.ts's BullWorker. */
interface LockEvents {
  on(event: 'locksRenewed', listener: (args: { jobIds: string[] }) => void): unknown;
  on(event: 'lockRenewalFailed', listener: (jobIds: string[]) => void): unknown;
}

/**
 * A run worker is killed once this share of the lock duration has passed without a renewal of the
 * lock on its job, before the lock can expire: after that, health checks may take the run for
 * lost and run monitoring may resume it elsewhere, and two run workers must never run it at once.
 */
const FENCE_AT_LOCK_SHARE = 0.8;
const FENCE_CHECK_MS = 250;

/**
 * `runyard queue worker --runs [--queues a,b] [--concurrency N]`: takes run jobs from run queues
 * (QueueRunLauncher) and starts each run's worker, `runyard worker execute-run <runId>`, as a
 * child process in its own process group: no user code runs on this event loop, so lock renewals,
 * heartbeats and terminates are never starved. SIGTERM (or SIGINT): take no more runs, let the
 * running run workers finish, unregister, exit 0.
 */
export async function runRunPoolWorker(opts: QueueWorkerOptions, ctx: PluginCommandContext): Promise<number> {
  const instance = await ctx.openInstance();
  try {
    const config = queueConfigOf(instance.config);
    const connection = await QueueConnection.open(config);
    const pool = new RunPoolWorker(instance, config, connection, {
      queues: opts.queues?.length ? opts.queues : [defaultRunQueue(instance)],
      concurrency: opts.concurrency,
      id: opts.name ?? `${hostname()}:${process.pid}`,
    });
    try {
      await pool.start();
      await pool.stopped;
      return 0;
    } finally {
      await connection.close();
    }
  } finally {
    await instance.dispose();
  }
}

/** The instance's QueueRunLauncher's default run queue, or `runs`. */
function defaultRunQueue(instance: Instance): string {
  const launcher = (instance.config as { runLauncher?: { class?: string; config?: { queue?: unknown } } }).runLauncher;
  const queue = launcher?.class === 'QueueRunLauncher' ? launcher.config?.queue : undefined;
  return typeof queue === 'string' ? queue : 'runs';
}

export interface RunPoolWorkerOptions {
  readonly queues: readonly string[];
  readonly concurrency: number;
  readonly id: string;
}

export class RunPoolWorker {
  readonly #instance: Instance;
  readonly #config: QueueConfig;
  readonly #connection: QueueConnection;
  readonly #options: RunPoolWorkerOptions;
  readonly #workers: BullWorker[] = [];
  /** Run jobs this worker holds, by runJobKey. */
  readonly #active = new Map<string, ActiveRun>();
  /** Terminates that arrived for a job before (or as) its run worker started. */
  readonly #cancelled = new Map<string, number>();
  readonly #startedAt = Date.now();
  #subscriber: RedisClient | undefined;
  #timers: NodeJS.Timeout[] = [];
  readonly #slots: WorkerSlots;
  #resolveStopped!: () => void;
  readonly stopped = new Promise<void>((resolve) => {
    this.#resolveStopped = resolve;
  });

  constructor(instance: Instance, config: QueueConfig, connection: QueueConnection, options: RunPoolWorkerOptions) {
    this.#instance = instance;
    this.#config = config;
    this.#connection = connection;
    this.#options = options;
    this.#slots = new WorkerSlots(options.concurrency);
  }

  async start(): Promise<void> {
    this.#subscriber = await this.#connection.duplicate();
    this.#subscriber.on('message', (_channel, text) => this.#onCancel(text));
    await this.#subscriber.subscribe(this.#connection.keys.runCancelChannel);
    for (const queue of this.#options.queues) {
      const bullName = bullQueueName('runs', queue);
      const options = {
        connection: { url: this.#connection.url, maxRetriesPerRequest: null },
        prefix: this.#config.prefix,
        concurrency: this.#options.concurrency,
        lockDuration: this.#config.lockDurationMs,
        // Renewed four times per lock duration, so that one late renewal (a busy machine) never
        // trips the fence below; BullMQ's default is twice.
        lockRenewTime: Math.floor(this.#config.lockDurationMs / 4),
        stalledInterval: Math.max(250, Math.floor(this.#config.lockDurationMs / 2)),
        // A run job whose pool worker was lost fails ("stalled") and is never started again by
        // BullMQ: run monitoring decides between resuming and failing the run.
        maxStalledCount: 0,
      };
      const worker = new this.#connection.bull.Worker(
        bullName,
        (job, token) => this.#process(bullName, job as HandBackJob, token),
        options,
      );
      worker.on('error', () => undefined);
      const locks = worker as unknown as LockEvents;
      locks.on('locksRenewed', ({ jobIds }) => {
        for (const id of jobIds) {
          const active = this.#active.get(runJobKey(bullName, id));
          if (active) active.renewedAt = Date.now();
        }
      });
      locks.on('lockRenewalFailed', (jobIds) => {
        for (const id of jobIds) this.#fence(runJobKey(bullName, id), 'its lock on the run job could not be renewed');
      });
      this.#workers.push(worker);
    }
    await Promise.all(this.#workers.map((w) => w.waitUntilReady()));
    await this.#heartbeat();
    this.#timers.push(setInterval(() => void this.#heartbeat(), this.#config.workerHeartbeatSeconds * 1000));
    this.#timers.push(setInterval(() => this.#checkLocks(), FENCE_CHECK_MS));
    process.on('SIGTERM', this.#onSignal);
    process.on('SIGINT', this.#onSignal);
    process.stdout.write(
      `runyard queue worker ${this.#options.id}: run queues ${this.#options.queues.join(', ')}, concurrency ${this.#options.concurrency}\n`,
    );
  }

  readonly #onSignal = (): void => {
    void this.stop();
  };

  #stopping: Promise<void> | undefined;
  #draining = false;

  /** Takes no more runs and waits for the running run workers to finish; then unregisters. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      process.off('SIGTERM', this.#onSignal);
      process.off('SIGINT', this.#onSignal);
      process.stdout.write(`runyard queue worker ${this.#options.id}: stopping after ${this.#active.size} run(s)\n`);
      // Jobs waiting for a slot go back to their queues (see #process).
      this.#draining = true;
      this.#slots.wakeAll();
      await Promise.all(this.#workers.map((w) => w.close().catch(() => undefined)));
      for (const timer of this.#timers) clearInterval(timer);
      await unregisterWorker(this.#connection, this.#options.id).catch(() => undefined);
      await this.#subscriber?.quit().catch(() => undefined);
      this.#resolveStopped();
    })();
    return this.#stopping;
  }

  /**
   * One run job: one run worker, from its start to its exit. Slots are shared by every queue, so a
   * job taken from one queue may wait here for a slot; if the pool stops meanwhile, the job goes
   * back to its queue for another pool worker (BullMQ's WaitingError: not a failure, not a retry).
   */
  async #process(bullName: string, job: HandBackJob, token: string | undefined): Promise<RunJobResult> {
    if (!(await this.#slots.take(() => this.#draining))) {
      await job.moveToWait(token);
      const handedBack = new Error(`run job ${job.id} handed back: pool worker ${this.#options.id} is stopping`);
      handedBack.name = 'WaitingError';
      throw handedBack;
    }
    const key = runJobKey(bullName, job.id as string);
    const active: ActiveRun = { runId: job.data.runId, renewedAt: Date.now() };
    this.#active.set(key, active);
    try {
      return await this.#runWorker(key, job.data, active);
    } finally {
      this.#active.delete(key);
      this.#slots.release();
    }
  }

  async #runWorker(key: string, data: RunJobData, active: ActiveRun): Promise<RunJobResult> {
    const where = { pool: this.#options.id, host: hostname() };
    if (this.#cancelled.delete(key)) return { ...where, notStarted: 'terminated before its run worker started' };
    const logs = (await this.#instance.computeLogs()).localPaths(data.runId);
    mkdirSync(path.dirname(logs.stdout), { recursive: true });
    mkdirSync(path.dirname(logs.stderr), { recursive: true });
    // Appended, so a resumed run worker's output follows the first one's.
    const out = openSync(logs.stdout, 'a');
    const err = openSync(logs.stderr, 'a');
    let child: ChildProcess;
    try {
      child = spawn(
        '/bin/sh',
        ['-c', SUPERVISOR, process.execPath, ...process.execArgv, process.argv[1] as string, ...data.args],
        // Its own process group; stdin is the pipe whose closing tells the group this worker died.
        { detached: true, stdio: ['pipe', out, err], env: workerEnvironment(process.env, data.env) },
      );
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    child.stdin?.on('error', () => undefined);
    const pgid = child.pid as number;
    active.child = child;
    active.pgid = pgid;
    const holder: RunHolder = { ...where, pid: pgid, pgid, startedAt: Date.now() };
    await this.#connection.redis.hset(this.#connection.keys.runHolders, key, JSON.stringify(holder));
    // A terminate that arrived while the run worker was starting.
    const early = this.#cancelled.get(key);
    if (early !== undefined) {
      this.#cancelled.delete(key);
      this.#stopRun(key, active, early);
    }
    const { code, signal } = await exited;
    if (active.terminate?.timer) clearTimeout(active.terminate.timer);
    // Whatever the run worker left in its group (a step process it did not reap) goes with it, and
    // the job ends only once the group is gone: a completed run job has nothing left running.
    signalGroup(pgid, 'SIGKILL');
    if (!(await waitForGroupGone(pgid, GROUP_GONE_WAIT_MS)))
      process.stderr.write(`runyard queue worker: process group ${pgid} still has members after SIGKILL\n`);
    // A fenced run's holder record stays, saying why, for health checks (its job may stay active).
    if (active.fenced)
      await this.#connection.redis
        .hset(this.#connection.keys.runHolders, key, JSON.stringify({ ...holder, fenced: active.fenced }))
        .catch(() => 0);
    else await this.#connection.redis.hdel(this.#connection.keys.runHolders, key).catch(() => 0);
    const exit = exitOf(code, signal);
    const tail = tailOf(logs.stderr, STDERR_TAIL_LINES);
    return {
      ...where,
      pgid,
      ...exit,
      ...(active.terminate
        ? {
            terminated: {
              escalated: active.terminate.escalated,
              detail: terminateDetail(pgid, active.terminate.escalated, active.terminate.graceMs, this.#options.id),
            },
          }
        : {}),
      ...(active.fenced ? { fenced: active.fenced } : {}),
      ...(tail ? { stderrTail: tail } : {}),
    };
  }

  /** Runs whose lock went unrenewed too long (Redis unreachable, this process frozen) are fenced. */
  #checkLocks(): void {
    const limit = this.#config.lockDurationMs * FENCE_AT_LOCK_SHARE;
    const now = Date.now();
    for (const [key, active] of this.#active)
      if (now - active.renewedAt > limit)
        this.#fence(
          key,
          `its lock on the run job went unrenewed for ${((now - active.renewedAt) / 1000).toFixed(1)} s`,
        );
  }

  /**
   * This worker no longer holds the run job (or cannot know that it does): its run worker is
   * killed, since the run may already be resumed by another pool worker.
   */
  #fence(key: string, why: string): void {
    const active = this.#active.get(key);
    if (!active || active.fenced || active.pgid === undefined) return;
    active.fenced = why;
    process.stderr.write(`runyard queue worker: killing the run worker of run ${active.runId} (job ${key}): ${why}\n`);
    signalGroup(active.pgid, 'SIGKILL');
  }

  #onCancel(text: string): void {
    let message: RunCancelMessage;
    try {
      message = JSON.parse(text) as RunCancelMessage;
    } catch {
      return;
    }
    const active = this.#active.get(message.jobKey);
    if (!active) return; // another pool worker's run
    if (active.pgid === undefined) this.#cancelled.set(message.jobKey, message.graceMs);
    else this.#stopRun(message.jobKey, active, message.graceMs);
  }

  /** SIGTERM to the run worker's process group, SIGKILL after the grace period (at once for 0). */
  #stopRun(key: string, active: ActiveRun, graceMs: number): void {
    const pgid = active.pgid as number;
    if (active.terminate) {
      // A forced terminate after a polite one: kill now.
      if (graceMs === 0 && !active.terminate.escalated) {
        active.terminate.escalated = true;
        signalGroup(pgid, 'SIGKILL');
      }
      return;
    }
    process.stderr.write(`runyard queue worker: stopping run ${active.runId} (job ${key}), grace ${graceMs} ms\n`);
    if (graceMs === 0) {
      active.terminate = { escalated: true, graceMs };
      signalGroup(pgid, 'SIGKILL');
      return;
    }
    active.terminate = { escalated: false, graceMs };
    signalGroup(pgid, 'SIGTERM');
    const terminate = active.terminate;
    terminate.timer = setTimeout(() => {
      terminate.escalated = true;
      signalGroup(pgid, 'SIGKILL');
    }, graceMs);
    terminate.timer.unref?.();
  }

  async #heartbeat(): Promise<void> {
    await registerWorker(this.#connection, {
      id: this.#options.id,
      host: hostname(),
      pid: process.pid,
      mode: 'runs',
      queues: this.#options.queues,
      concurrency: this.#options.concurrency,
      active: this.#active.size,
      startedAt: this.#startedAt,
      heartbeatAt: Date.now(),
    }).catch(() => undefined);
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

function terminateDetail(pgid: number, escalated: boolean, graceMs: number, pool: string): string {
  if (!escalated) return `sent SIGTERM to run worker process group ${pgid} on pool worker ${pool}; it exited`;
  if (graceMs === 0) return `killed run worker process group ${pgid} on pool worker ${pool} with SIGKILL`;
  return `run worker process group ${pgid} on pool worker ${pool} ignored SIGTERM for ${(graceMs / 1000).toFixed(graceMs < 1000 ? 1 : 0)} s; killed it with SIGKILL`;
}

function tailOf(file: string, lines: number): string | undefined {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    return text ? text.split('\n').slice(-lines).join('\n') : undefined;
  } catch {
    return undefined;
  }
}
