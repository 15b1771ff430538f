import type { ErrorInfo, ExecutionOutcome, Executor, ExecutorContext, IOManager } from 'runyard';
import { RunyardError, toErrorInfo } from 'runyard';
import {
  emitStepFailure,
  emitStepsSkipped,
  expandMapSource,
  inputSources,
  type PlannedStep,
  runStepWithRetries,
  StepScheduler,
} from 'runyard/internal';
import type { BullQueueEvents } from './queue-client.js';
import { QUEUE_NAME, type QueueConfig, queueConfigOf } from './queue-config.js';
import { QueueConnection } from './queue-connection.js';
import { bullQueueName, stepJobId } from './queue-names.js';
import {
  bullPriority,
  isStepJobResult,
  PRIORITY_TAG,
  QUEUE_TAG,
  type StepJobData,
  type StepJobResult,
  tagPriority,
} from './step-job.js';
import { waitingReason } from './waiting-reason.js';
import { listWorkers } from './worker-registry.js';

/** Completed and failed step jobs stay this long in Redis, for `queue status` and late reconciles. */
const KEEP_FINISHED_SECONDS = 3600;

interface Pending {
  readonly jobId: string;
  readonly queue: string;
  readonly stepKey: string;
  readonly data: StepJobData;
  readonly options: { jobId: string; priority: number };
  readonly resolve: (result: StepJobResult) => void;
  /** The last waiting reason recorded for it, so a change is recorded once. */
  reason?: string;
}

/**
 * `executor: { type: 'queue' }`: the run worker keeps the plan and puts each ready step attempt
 * on its op's queue (`runyard/queue` tag, else the default queue); `runyard queue worker`
 * processes anywhere run it in a fresh step process, which records the step's events in the
 * instance's storage and its output in the IO manager. This process learns how an attempt ended
 * from BullMQ's events, and, since events can be missed (a Redis restart, a trimmed stream), from
 * a reconcile every few seconds. Retries are Runyard's: each attempt is its own queue job.
 */
export class QueueStepExecutor implements Executor {
  async execute(ctx: ExecutorContext): Promise<ExecutionOutcome> {
    const config = checkLaunchable(ctx);
    const io = ctx.io as IOManager;
    const connection = await QueueConnection.open(config);
    const run = new QueueRun(ctx, config, connection, io);
    try {
      return await run.execute();
    } finally {
      await run.close();
      await connection.close();
    }
  }
}

/** Refuses, before anything is enqueued, what cannot work with workers on other machines. */
function checkLaunchable(ctx: ExecutorContext): QueueConfig {
  const userError = (message: string) => new RunyardError(message, { userError: true });
  if (!ctx.instanceConfig || !ctx.storage)
    throw userError(
      `job '${ctx.job.name}' uses the queue executor, which runs only in a launched run's worker (it needs the instance's storage and 'queue:' settings)`,
    );
  const config = queueConfigOf(ctx.instanceConfig);
  if (!ctx.codeLocation)
    throw userError(`job '${ctx.job.name}' was not loaded from a code location, so queue workers cannot load it`);
  const io = ctx.io;
  if (!io || typeof io.toChildConfig !== 'function')
    throw userError(
      `the queue executor passes outputs between machines through the IO manager, and ${io ? io.constructor.name : 'this run has none that'} cannot be rebuilt in a step process (no toChildConfig())`,
    );
  if (io.locality === 'machine' && !config.sharedIoManager)
    throw userError(
      `the queue executor runs steps on workers that may be on other machines, and the IO manager ${io.constructor.name} keeps outputs on this machine only; use a shared one (S3IOManager), or, if its directory is a share every worker mounts (or every worker is on this machine), set queue.sharedIoManager: true in runyard.yaml`,
    );
  for (const step of ctx.job.graph.steps.values()) {
    const queue = step.op.tags[QUEUE_TAG];
    if (queue !== undefined && !QUEUE_NAME.test(queue))
      throw userError(
        `op '${step.op.name}' names queue ${JSON.stringify(queue)} in its ${QUEUE_TAG} tag, which is not a queue name`,
      );
  }
  return config;
}

class QueueRun {
  readonly #ctx: ExecutorContext;
  readonly #config: QueueConfig;
  readonly #connection: QueueConnection;
  readonly #io: IOManager;
  readonly #pending = new Map<string, Pending>();
  readonly #events = new Map<string, BullQueueEvents>();
  #reconcileTimer: NodeJS.Timeout | undefined;
  #reconciling = false;

  constructor(ctx: ExecutorContext, config: QueueConfig, connection: QueueConnection, io: IOManager) {
    this.#ctx = ctx;
    this.#config = config;
    this.#connection = connection;
    this.#io = io;
  }

  async execute(): Promise<ExecutionOutcome> {
    const ctx = this.#ctx;
    const completed = ctx.completedSteps ?? new Map<string, string>();
    const scheduler = new StepScheduler(ctx.job.graph, {
      completed: new Set(completed.keys()),
      maxMappedSteps: ctx.job.maxMappedSteps,
      selected: ctx.selectedSteps,
    });
    const onAbort = () => void this.#cancel();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    this.#reconcileTimer = setInterval(() => void this.#reconcile(), this.#config.reconcileIntervalSeconds * 1000);
    let running = 0;
    let expanding = 0;
    try {
      await new Promise<void>((resolve) => {
        const pump = () => {
          for (const source of ctx.signal.aborted ? [] : scheduler.takeExpansions()) {
            expanding++;
            const from = { runId: completed.get(source) ?? ctx.runId, stepKey: source };
            void expandMapSource(scheduler, source, () => this.#io.loadOutput(from), ctx.emit).then(() => {
              expanding--;
              pump();
            });
          }
          // Every ready step is enqueued at once: the queues' limits and workers decide how many run.
          while (!ctx.signal.aborted) {
            const planned = scheduler.take();
            if (planned === undefined) break;
            running++;
            void this.#runStep(planned, scheduler, completed).then((ok) => {
              running--;
              if (ok) scheduler.succeeded(planned.key);
              else emitStepsSkipped(ctx.emit, scheduler.failedStep(planned.key));
              pump();
            });
          }
          if (running === 0 && expanding === 0) resolve();
        };
        pump();
      });
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      clearInterval(this.#reconcileTimer);
    }
    return {
      status: ctx.signal.aborted ? 'CANCELED' : scheduler.failed.length ? 'FAILURE' : 'SUCCESS',
      failedSteps: scheduler.failed,
      skippedSteps: scheduler.skipped,
      outputs: new Map(),
    };
  }

  async close(): Promise<void> {
    clearInterval(this.#reconcileTimer);
    await Promise.all([...this.#events.values()].map((e) => e.close().catch(() => undefined)));
  }

  async #runStep(
    planned: PlannedStep,
    scheduler: StepScheduler,
    completed: ReadonlyMap<string, string>,
  ): Promise<boolean> {
    const ctx = this.#ctx;
    const { step } = planned;
    const queue = step.op.tags[QUEUE_TAG] ?? this.#config.defaultQueue;
    const priority = bullPriority(tagPriority(ctx.tags[PRIORITY_TAG]) + tagPriority(step.op.tags[PRIORITY_TAG]));
    const inputs = inputSources(ctx.runId, scheduler.inputsOf(planned.key), completed);
    try {
      const result = await runStepWithRetries({
        step,
        signal: ctx.signal,
        emit: ctx.emit,
        runAttempt: async (attempt) => {
          const outcome = await this.#enqueueAndWait(queue, priority, {
            runId: ctx.runId,
            stepKey: step.key,
            attempt,
            inputs,
            config: ctx.stepConfigs.get(planned.node.key),
            queue,
            enqueuedAt: Date.now(),
          });
          if (outcome.ok) return { ok: true, output: undefined };
          return outcome.retryable
            ? { ok: false, error: outcome.error }
            : { ok: false, error: outcome.error, retryable: false };
        },
      });
      return result.ok;
    } catch (error) {
      emitStepFailure(ctx.emit, step.key, toErrorInfo(error));
      return false;
    }
  }

  async #enqueueAndWait(queue: string, priority: number, data: StepJobData): Promise<StepJobResult> {
    if (this.#ctx.signal.aborted) return cancelled(data.stepKey);
    await this.#followQueue(queue);
    const jobId = stepJobId(data.runId, data.stepKey, data.attempt);
    return new Promise<StepJobResult>((resolve) => {
      const options = { jobId, priority };
      const pending: Pending = {
        jobId,
        queue,
        stepKey: data.stepKey,
        data,
        options,
        resolve: (result) => {
          if (this.#pending.get(jobId) !== pending) return;
          this.#pending.delete(jobId);
          resolve(result);
        },
      };
      this.#pending.set(jobId, pending);
      void this.#add(pending).catch((error: unknown) =>
        pending.resolve({
          ok: false,
          retryable: true,
          error: {
            name: 'QueueError',
            message: `could not enqueue step '${data.stepKey}' on queue ${queue}`,
            cause: toErrorInfo(error),
          },
        }),
      );
    });
  }

  /** Adding twice with one job id adds one job: a re-add after a lost answer is safe. */
  async #add(pending: Pending): Promise<void> {
    await this.#connection.queue<StepJobData>('steps', pending.queue).add(pending.stepKey, pending.data, {
      ...pending.options,
      attempts: 1,
      removeOnComplete: { age: KEEP_FINISHED_SECONDS },
      removeOnFail: { age: KEEP_FINISHED_SECONDS },
    });
  }

  /** BullMQ's events for one queue, from a connection of their own. */
  async #followQueue(queue: string): Promise<void> {
    if (this.#events.has(queue)) return;
    const events = new this.#connection.bull.QueueEvents(bullQueueName('steps', queue), {
      connection: { url: this.#connection.url, maxRetriesPerRequest: null },
      prefix: this.#config.prefix,
    });
    this.#events.set(queue, events);
    events.on('error', () => undefined);
    events.on('completed', ({ jobId, returnvalue }) => this.#finish(jobId, parseResult(returnvalue)));
    events.on('failed', ({ jobId, failedReason }) => this.#finish(jobId, lost(this.#pending.get(jobId), failedReason)));
    await events.waitUntilReady();
  }

  #finish(jobId: string, result: StepJobResult): void {
    this.#pending.get(jobId)?.resolve(result);
  }

  /**
   * Asks Redis about every step still out: finished ones whose event was missed are finished here;
   * jobs Redis no longer holds (lost with an unpersisted Redis) are added again under the same id;
   * waiting ones get their reason recorded when it changes.
   */
  async #reconcile(): Promise<void> {
    if (this.#reconciling || this.#ctx.signal.aborted) return;
    this.#reconciling = true;
    try {
      const workers = await listWorkers(this.#connection).catch(() => undefined);
      for (const pending of [...this.#pending.values()]) {
        const queue = this.#connection.queue<StepJobData, unknown>('steps', pending.queue);
        const job = await queue.getJob(pending.jobId);
        if (!job) {
          await this.#add(pending);
          continue;
        }
        const state = await job.getState();
        if (state === 'completed') this.#finish(pending.jobId, parseResult(job.returnvalue));
        else if (state === 'failed') this.#finish(pending.jobId, lost(pending, job.failedReason ?? 'failed'));
        else if (state === 'waiting' || state === 'prioritized' || state === 'delayed') {
          const reason = await waitingReason(this.#connection, pending.queue, workers);
          if (reason.kind !== pending.reason) {
            pending.reason = reason.kind;
            this.#ctx.emit({
              type: 'ENGINE_EVENT',
              stepKey: pending.stepKey,
              message: `step '${pending.stepKey}' is ${reason.text}`,
              data: { waitingReason: reason.text, queue: pending.queue, jobId: pending.jobId },
            });
          }
        }
      }
    } catch {
      // Redis away (restarting): the next reconcile tries again.
    } finally {
      this.#reconciling = false;
    }
  }

  /**
   * The run is being cancelled: steps still waiting are removed from their queues (they never
   * start), and workers holding active ones are told to stop them.
   */
  async #cancel(): Promise<void> {
    const runId = this.#ctx.runId;
    await this.#connection.redis.publish(this.#connection.keys.cancelChannel, runId).catch(() => undefined);
    for (const pending of [...this.#pending.values()]) {
      const removed = await this.#connection
        .queue('steps', pending.queue)
        .remove(pending.jobId)
        .catch(() => 0);
      if (removed) pending.resolve(cancelled(pending.stepKey));
    }
  }
}

function parseResult(value: unknown): StepJobResult {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
  }
  if (isStepJobResult(parsed)) return parsed;
  return {
    ok: false,
    retryable: true,
    error: {
      name: 'QueueError',
      message: `a queue worker returned a result outside the protocol: ${String(value).slice(0, 200)}`,
    },
  };
}

/** BullMQ failed the job: with attempts 1 and no throwing processor, only a lost worker does that. */
function lost(pending: Pending | undefined, reason: string): StepJobResult {
  const error: ErrorInfo = {
    name: 'WorkerLostError',
    message: `worker lost: the queue worker running step '${pending?.stepKey ?? '?'}' stopped holding it (${reason})`,
  };
  return { ok: false, retryable: true, error };
}

function cancelled(stepKey: string): StepJobResult {
  return {
    ok: false,
    retryable: false,
    error: { name: 'StepCancelledError', message: `the run was cancelled before step '${stepKey}' started` },
  };
}
