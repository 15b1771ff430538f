import { hostname } from 'node:os';
import type { Instance, IOManagerChildConfig, PluginCommandContext } from 'runyard';
import { toErrorInfo, workerEnvironment } from 'runyard';
import { BufferedEventWriter, inheritedConditions, StepProcessHandle, stepProcessEntry } from 'runyard/internal';
import type { BullJob, BullWorker, RedisClient } from '../queue-client.js';
import { type QueueConfig, queueConfigOf } from '../queue-config.js';
import { QueueConnection } from '../queue-connection.js';
import { bullQueueName } from '../queue-names.js';
import type { StepJobData, StepJobResult } from '../step-job.js';
import { registerWorker, unregisterWorker } from '../worker-registry.js';
import type { QueueWorkerOptions } from './queue-worker-options.js';
import { WorkerSlots } from './worker-slots.js';

/** How often a worker asks storage whether the runs of its active steps are still going. */
const RUN_CHECK_MS = 2000;

interface ActiveStep {
  readonly jobId: string | undefined;
  readonly runId: string;
  readonly stepKey: string;
  readonly handle: StepProcessHandle;
  stopping: boolean;
}

/**
 * `runyard queue worker [--queues a,b] [--concurrency N]`: takes step attempts from step queues
 * and runs each in a fresh step process (the multiprocess executor's step-process.js), so no user
 * code runs on this event loop and lock renewals and heartbeats never starve. The step's events go
 * to the instance's storage from here, its output to the IO manager from the step process.
 * SIGTERM (or SIGINT): take no more steps, finish the ones running, unregister, exit 0.
 */
export async function runStepWorker(opts: QueueWorkerOptions, ctx: PluginCommandContext): Promise<number> {
  const instance = await ctx.openInstance();
  const config = queueConfigOf(instance.config);
  const connection = await QueueConnection.open(config);
  const worker = new StepWorker(instance, config, connection, {
    queues: opts.queues?.length ? opts.queues : [config.defaultQueue],
    concurrency: opts.concurrency,
    id: opts.name ?? `${hostname()}:${process.pid}`,
    spares: opts.spares,
  });
  try {
    await worker.start();
    await worker.stopped;
    return 0;
  } finally {
    await connection.close();
    await instance.dispose();
  }
}

export interface StepWorkerOptions {
  readonly queues: readonly string[];
  readonly concurrency: number;
  readonly id: string;
  /** Step processes kept loaded for the job that ran last (default: concurrency, at most 2). */
  readonly spares?: number;
}

export class StepWorker {
  readonly #instance: Instance;
  readonly #config: QueueConfig;
  readonly #connection: QueueConnection;
  readonly #options: StepWorkerOptions;
  readonly #workers: BullWorker[] = [];
  readonly #active = new Map<string, ActiveStep>();
  /** Runs cancelled while this worker runs; a step of one that becomes active never starts. */
  readonly #cancelledRuns = new Set<string>();
  readonly #startedAt = Date.now();
  #subscriber: RedisClient | undefined;
  readonly #spares: SpareStepProcesses;
  #timers: NodeJS.Timeout[] = [];
  #ioManager: IOManagerChildConfig | undefined;
  readonly #slots: WorkerSlots;
  #resolveStopped!: () => void;
  readonly stopped = new Promise<void>((resolve) => {
    this.#resolveStopped = resolve;
  });

  constructor(instance: Instance, config: QueueConfig, connection: QueueConnection, options: StepWorkerOptions) {
    this.#instance = instance;
    this.#config = config;
    this.#connection = connection;
    this.#options = options;
    this.#slots = new WorkerSlots(options.concurrency);
    this.#spares = new SpareStepProcesses(options.spares ?? Math.min(options.concurrency, 2));
  }

  async start(): Promise<void> {
    const io = await this.#instance.ioManager();
    if (typeof io.toChildConfig !== 'function')
      throw new Error(`the instance's IO manager ${io.constructor.name} cannot be rebuilt in a step process`);
    this.#ioManager = io.toChildConfig();
    // Limits written in runyard.yaml are set when a worker starts; `runyard queue limit` changes them live.
    for (const [name, settings] of Object.entries(this.#config.queues))
      if (settings.limit !== undefined)
        await this.#connection.queue('steps', name).setGlobalConcurrency(settings.limit);

    this.#subscriber = await this.#connection.duplicate();
    this.#subscriber.on('message', (_channel, runId) => this.#cancelRun(runId, 'the run was cancelled'));
    await this.#subscriber.subscribe(this.#connection.keys.cancelChannel);

    for (const queue of this.#options.queues) {
      const worker = new this.#connection.bull.Worker(
        bullQueueName('steps', queue),
        (job) => this.#process(job as BullJob<StepJobData>),
        {
          connection: { url: this.#connection.url, maxRetriesPerRequest: null },
          prefix: this.#config.prefix,
          concurrency: this.#options.concurrency,
          lockDuration: this.#config.lockDurationMs,
          // The stalled check runs often, so a lost worker's step is failed soon after its lock expires.
          stalledInterval: Math.max(250, Math.floor(this.#config.lockDurationMs / 2)),
          // A stalled step is failed ("worker lost"), never run again by BullMQ: Runyard's retry policy decides.
          maxStalledCount: 0,
        },
      );
      worker.on('error', () => undefined);
      // A step whose lock this worker could not renew is failed as "worker lost" by the stalled
      // check, and may be retried elsewhere: stop it here, so it never runs twice at once.
      (worker as unknown as { on(e: 'lockRenewalFailed', l: (ids: string[]) => void): void }).on(
        'lockRenewalFailed',
        (jobIds) =>
          this.#stopSteps((s) => s.jobId !== undefined && jobIds.includes(s.jobId), 'its lock could not be renewed'),
      );
      this.#workers.push(worker);
    }
    await Promise.all(this.#workers.map((w) => w.waitUntilReady()));
    await this.#heartbeat();
    this.#timers.push(setInterval(() => void this.#heartbeat(), this.#config.workerHeartbeatSeconds * 1000));
    this.#timers.push(setInterval(() => void this.#checkRuns(), RUN_CHECK_MS));
    process.on('SIGTERM', this.#onSignal);
    process.on('SIGINT', this.#onSignal);
    process.stdout.write(
      `runyard queue worker ${this.#options.id}: queues ${this.#options.queues.join(', ')}, concurrency ${this.#options.concurrency}\n`,
    );
  }

  readonly #onSignal = (): void => {
    void this.stop();
  };

  #stopping: Promise<void> | undefined;

  /** Takes no more steps, waits for the running ones to finish, and unregisters. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      process.off('SIGTERM', this.#onSignal);
      process.off('SIGINT', this.#onSignal);
      // close() waits for the steps this worker holds; their locks are renewed meanwhile.
      await Promise.all(this.#workers.map((w) => w.close().catch(() => undefined)));
      for (const timer of this.#timers) clearInterval(timer);
      this.#spares.close();
      await unregisterWorker(this.#connection, this.#options.id).catch(() => undefined);
      await this.#subscriber?.quit().catch(() => undefined);
      this.#resolveStopped();
    })();
    return this.#stopping;
  }

  /**
   * One BullMQ job = one step attempt. Slots are shared by every queue this worker takes, so
   * `--concurrency` bounds the whole process.
   */
  async #process(job: BullJob<StepJobData>): Promise<StepJobResult> {
    await this.#slots.take();
    try {
      return await this.#runAttempt(job.data, job.id);
    } catch (error) {
      return { ok: false, retryable: true, error: toErrorInfo(error) };
    } finally {
      this.#slots.release();
    }
  }

  async #runAttempt(data: StepJobData, jobId: string | undefined): Promise<StepJobResult> {
    const storage = this.#instance.storage;
    const run = await storage.runs.getRun(data.runId);
    // Checked as the step becomes active: a step dequeued while its run is being cancelled never starts.
    if (!run || run.status !== 'STARTED' || this.#cancelledRuns.has(data.runId))
      return {
        ok: false,
        retryable: false,
        error: {
          name: 'StepCancelledError',
          message: `step '${data.stepKey}' was not started: its run is ${run ? (this.#cancelledRuns.has(data.runId) ? 'being cancelled' : run.status) : 'gone'}`,
        },
      };
    const writer = new BufferedEventWriter(storage.events, data.runId);
    const takenAt = Date.now();
    // Which worker ran which attempt, and how long it waited: for `run logs` and the bench.
    writer.emit({
      type: 'ENGINE_EVENT',
      stepKey: data.stepKey,
      level: 'debug',
      message: `step '${data.stepKey}' (attempt ${data.attempt}) taken by queue worker ${this.#options.id} after ${takenAt - data.enqueuedAt} ms on queue ${data.queue}`,
      data: {
        queueWorker: this.#options.id,
        queue: data.queue,
        attempt: data.attempt,
        enqueuedAt: data.enqueuedAt,
        takenAt,
      },
    });
    const handle = this.#spares.take(run.origin.codeLocation, run.jobName);
    const key = `${data.runId}\u0000${data.stepKey}\u0000${data.attempt}`;
    this.#active.set(key, { jobId, runId: data.runId, stepKey: data.stepKey, handle, stopping: false });
    try {
      const outcome = await handle.run(
        {
          type: 'run_step',
          runId: data.runId,
          jobName: run.jobName,
          stepKey: data.stepKey,
          attempt: data.attempt,
          config: data.config,
          tags: run.tags,
          inputs: data.inputs,
          ioManager: this.#ioManager as IOManagerChildConfig,
        },
        { emit: writer.emit, flush: () => writer.flush() },
      );
      await handle.exited;
      return outcome.ok ? { ok: true } : { ok: false, error: outcome.error, retryable: outcome.retryable };
    } finally {
      this.#active.delete(key);
      // The step's events are stored before the job completes, so the run worker reads them first.
      await writer.flush().catch(() => undefined);
    }
  }

  /** SIGTERM to each step process of the run, SIGKILL after the grace period. */
  #cancelRun(runId: string, why: string): void {
    this.#cancelledRuns.add(runId);
    this.#stopSteps((step) => step.runId === runId, why);
  }

  #stopSteps(which: (step: ActiveStep) => boolean, why: string): void {
    for (const step of this.#active.values()) {
      if (!which(step) || step.stopping) continue;
      step.stopping = true;
      process.stderr.write(`runyard queue worker: stopping step '${step.stepKey}' of run ${step.runId}: ${why}\n`);
      step.handle.cancel();
      const timer = setTimeout(() => step.handle.kill(), this.#config.terminateGraceSeconds * 1000);
      void step.handle.exited.then(() => clearTimeout(timer));
    }
  }

  /** A run that ended or is being cancelled (its run worker may be gone) keeps no step running here. */
  async #checkRuns(): Promise<void> {
    const runIds = new Set([...this.#active.values()].map((s) => s.runId));
    for (const runId of runIds) {
      let run: Awaited<ReturnType<Instance['storage']['runs']['getRun']>>;
      try {
        run = await this.#instance.storage.runs.getRun(runId);
      } catch {
        continue; // storage unreachable for now: no verdict
      }
      if (!run || run.status !== 'STARTED') this.#cancelRun(runId, `the run is ${run?.status ?? 'gone'}`);
    }
  }

  async #heartbeat(): Promise<void> {
    await registerWorker(this.#connection, {
      id: this.#options.id,
      host: hostname(),
      pid: process.pid,
      mode: 'steps',
      queues: this.#options.queues,
      concurrency: this.#options.concurrency,
      active: this.#active.size,
      startedAt: this.#startedAt,
      heartbeatAt: Date.now(),
    }).catch(() => undefined);
  }
}

/** How long a spare step process is kept without a step of its job to run. */
const SPARE_IDLE_MS = 30_000;

/**
 * Step processes started ahead of need, for the job whose step this worker ran last, as the
 * multiprocess executor keeps spares: loading Node, Runyard and the user's code is most of a short
 * step's cost, and a fan-out sends many steps of one job. Each still runs exactly one step.
 */
class SpareStepProcesses {
  readonly #max: number;
  #key: string | undefined;
  #idle: StepProcessHandle[] = [];
  #idleTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(max: number) {
    this.#max = max;
  }

  /** A process for one step of `jobName`: a spare when one is loaded for it, else a new one. */
  take(codeLocation: string, jobName: string): StepProcessHandle {
    const key = `${codeLocation}\u0000${jobName}`;
    if (key !== this.#key) {
      this.#drop();
      this.#key = key;
    }
    const handle = this.#idle.shift() ?? this.#spawn(codeLocation, jobName);
    this.#fill(codeLocation, jobName);
    return handle;
  }

  close(): void {
    this.#closed = true;
    this.#drop();
  }

  #fill(codeLocation: string, jobName: string): void {
    if (this.#closed) return;
    while (this.#idle.length < this.#max) {
      const spare = this.#spawn(codeLocation, jobName);
      this.#idle.push(spare);
      // A spare that dies idle (killed from outside, a load error) is not handed out.
      void spare.exited.then(() => {
        this.#idle = this.#idle.filter((h) => h !== spare);
      });
    }
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.#drop(), SPARE_IDLE_MS);
    this.#idleTimer.unref();
  }

  #drop(): void {
    clearTimeout(this.#idleTimer);
    for (const spare of this.#idle) spare.kill();
    this.#idle = [];
    this.#key = undefined;
  }

  #spawn(codeLocation: string, jobName: string): StepProcessHandle {
    return new StepProcessHandle({
      entry: stepProcessEntry(),
      boot: { codeLocation, cwd: process.cwd(), jobName },
      execArgv: inheritedConditions(),
      env: workerEnvironment(process.env, {}),
      stdout: process.stdout,
      stderr: process.stderr,
    });
  }
}
