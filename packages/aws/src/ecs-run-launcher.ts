import {
  BaseRunLauncher,
  type CheckRunTagsContext,
  type ComponentContext,
  type ConfigIssue,
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
import { readLogTail } from './cloudwatch-log-tail.js';
import { awsErrorMessage, type EcsApi, type EcsTask, loadEcsClient } from './ecs-client.js';
import { DEFAULT_RETRY, type RetryPolicy, withAwsRetry } from './ecs-retry.js';
import {
  type EcsRunLauncherConfig,
  ecsRunLauncherConfigSchema,
  type ResolvedEcsRunLauncherConfig,
} from './ecs-run-launcher-config.js';
import { ECS_RUN_TAG, type EcsRunOverrides, parseEcsRunOverrides } from './ecs-run-overrides.js';
import { runTaskInput } from './ecs-run-task-input.js';
import { EcsTaskBatcher } from './ecs-task-batcher.js';
import { EcsTaskDefinitions } from './ecs-task-definition.js';
import {
  classifyStartFailure,
  type EcsWorkerRef,
  healthFromTask,
  isEcsWorkerRef,
  isStarting,
  isStopped,
  taskLabel,
} from './ecs-task-health.js';

export interface EcsRunLauncherOptions {
  /** An ECS client to use instead of the AWS SDK's (tests, or an application's own client). */
  readonly ecs?: EcsApi | (() => EcsApi | Promise<EcsApi>);
  /** Backoff for throttled calls (tests shorten it). */
  readonly retry?: RetryPolicy;
}

/** What a launch needs again to start a replacement task. */
interface StartPlan {
  readonly ctx: LaunchRunContext;
  readonly overrides: EcsRunOverrides;
  readonly taskDefinition: string;
  readonly resumeAttempt: number;
}

/** Lines of the task's CloudWatch stream in debug info. */
const LOG_TAIL_LINES = 20;

/** How long after ECS's own stop timeout terminate waits for STOPPED before saying the task is stuck. */
const STOP_SLACK_MS = 60_000;

/**
 * Runs each run's worker as an ECS task: `<command> worker execute-run <runId>` in the worker
 * container of a task definition registered once per configuration, tagged with the run. See docs/aws.md.
 */
export class EcsRunLauncher extends BaseRunLauncher {
  /** Checked by the instance when runyard.yaml names this class, and by the constructor. */
  static readonly configSchema = ecsRunLauncherConfigSchema;

  readonly #config: ResolvedEcsRunLauncherConfig;
  readonly #raw: { readonly module?: string; readonly class: string; readonly config?: Record<string, unknown> };
  readonly #source: EcsRunLauncherOptions['ecs'];
  readonly #retry: RetryPolicy;
  #ecs: Promise<EcsApi> | undefined;
  /** Start watches under way in this process, by run id (see #watchStart). */
  readonly #watches = new Map<string, { readonly abort: AbortController; readonly done: Promise<void> }>();
  /** Task definitions, found or registered once per configuration. */
  readonly taskDefinitions: EcsTaskDefinitions;
  /** DescribeTasks, batched; a monitor may call `tasks.describe(cluster, arns)` for all its runs at once. */
  readonly tasks: EcsTaskBatcher;

  constructor(config: EcsRunLauncherConfig, ctx?: ComponentContext, options: EcsRunLauncherOptions = {}) {
    super();
    const parsed = ecsRunLauncherConfigSchema.safeParse(config);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
      throw new InvalidConfigError('EcsRunLauncher config', issues);
    }
    this.#config = Object.freeze(parsed.data);
    this.#raw = ctx?.raw ?? { class: 'EcsRunLauncher', config: { ...config } as Record<string, unknown> };
    this.#source = options.ecs;
    this.#retry = options.retry ?? DEFAULT_RETRY;
    const api = () => this.#client();
    this.taskDefinitions = new EcsTaskDefinitions(api, this.#retry);
    this.tasks = new EcsTaskBatcher(api, this.#retry);
  }

  override get capabilities(): LauncherCapabilities {
    return { healthCheck: true, resume: true, debugInfo: true };
  }

  /** Read by the instance's managed launcher as the default grace for terminate: ECS's stop timeout. */
  get terminateGraceMs(): number {
    return this.#config.stopTimeoutSeconds * 1000;
  }

  get config(): ResolvedEcsRunLauncherConfig {
    return this.#config;
  }

  launchRun(ctx: LaunchRunContext): Promise<WorkerRef> {
    return this.#start(ctx, 0);
  }

  /** A new task for the same run; the worker's `--resume` skips the steps that succeeded. */
  override resumeRun(ctx: ResumeRunContext): Promise<WorkerRef> {
    return this.#start(ctx, ctx.resumeAttempt);
  }

  checkRunTags(ctx: CheckRunTagsContext): readonly ConfigIssue[] {
    const outcome = parseEcsRunOverrides(ctx.tags, this.#config.allowRunOverrides);
    return outcome.ok ? [] : outcome.issues;
  }

  /**
   * StopTask: ECS sends SIGTERM, waits the task definition's stop timeout, then SIGKILL. ECS does
   * not say which of the two ended the container, so the exit code does: 137 is SIGKILL.
   */
  async terminate(ctx: TerminateContext): Promise<TerminateResult> {
    // A task stopped on request must not be replaced by a start watch as if it had failed to start.
    this.#watches.get(ctx.run.runId)?.abort.abort();
    const ref = isEcsWorkerRef(ctx.run.worker) ? ctx.run.worker : undefined;
    if (!ref) return { stopped: false, escalated: false, detail: 'no ECS task was recorded for the run' };
    const label = taskLabel(ref.externalId);
    const before = await this.tasks.get(ref.cluster, ref.externalId);
    if (!before) return { stopped: false, escalated: false, detail: `${label} is no longer known to ECS` };
    if (isStopped(before)) return { stopped: false, escalated: false, detail: `${label} had already stopped` };
    const api = await this.#client();
    await withAwsRetry(
      () => api.stopTask({ cluster: ref.cluster, task: ref.externalId, reason: 'terminated through Runyard' }),
      this.#retry,
    );
    const task = await this.#waitFor(ref, this.#config.stopTimeoutSeconds * 1000 + STOP_SLACK_MS, isStopped);
    if (!task || !isStopped(task))
      throw new RunyardError(
        `${label} is still ${task?.lastStatus ?? 'unknown'} ${this.#config.stopTimeoutSeconds + STOP_SLACK_MS / 1000} s after StopTask`,
      );
    const code = task.containers?.find((c) => c.name === ref.containerName)?.exitCode;
    if (code === 137)
      return {
        stopped: true,
        escalated: true,
        detail: `${label} ignored SIGTERM for its stop timeout (${this.#config.stopTimeoutSeconds} s); ECS killed it with SIGKILL`,
      };
    return {
      stopped: true,
      escalated: false,
      detail: `stopped ${label} with StopTask (SIGTERM); it exited${code === undefined ? '' : ` with code ${code}`}`,
    };
  }

  override async checkRunWorkerHealth(run: RunRecord): Promise<WorkerHealth> {
    const ref = isEcsWorkerRef(run.worker) ? run.worker : undefined;
    if (!ref) return { status: 'NOT_FOUND', reason: 'no ECS task was recorded for the run' };
    let task: EcsTask | undefined;
    try {
      task = await this.tasks.getForTick(ref.cluster, ref.externalId, this.#config.healthCacheMs);
    } catch (error) {
      return {
        status: 'UNKNOWN',
        transient: true,
        reason: `cannot describe ${taskLabel(ref.externalId)}: ${awsErrorMessage(error)}`,
      };
    }
    if (!task)
      return {
        status: 'NOT_FOUND',
        reason: `${taskLabel(ref.externalId)} is no longer known to ECS (stopped tasks are kept about an hour)`,
      };
    const health = healthFromTask(task, ref.containerName);
    // Out of start attempts: no watch will replace this task, so monitoring need not wait for one.
    if (health.retryable && task.stopCode === 'TaskFailedToStart' && ref.startAttempt > this.#config.maxStartRetries)
      return {
        ...health,
        retryable: false,
        reason: `${health.reason}; no task started in ${ref.startAttempt} attempt(s) (maxStartRetries ${this.#config.maxStartRetries})`,
      };
    return health;
  }

  override async debugInfo(run: RunRecord): Promise<string | undefined> {
    const ref = isEcsWorkerRef(run.worker) ? run.worker : undefined;
    if (!ref) return undefined;
    const label = taskLabel(ref.externalId);
    const task = await this.tasks.get(ref.cluster, ref.externalId);
    if (!task)
      return `${label} in cluster ${ref.cluster} (task definition ${ref.taskDefinition}) is no longer known to ECS`;
    const lines = [
      `${label} in cluster ${ref.cluster} (task definition ${ref.taskDefinition}, start attempt ${ref.startAttempt}): ` +
        `last status ${task.lastStatus ?? 'unknown'}, desired ${task.desiredStatus ?? 'unknown'}`,
      `stop code: ${task.stopCode ?? 'none'}; stopped reason: ${task.stoppedReason ?? 'none'}`,
      ...(task.containers ?? []).map(
        (c) =>
          `container ${c.name}: ${c.lastStatus ?? 'unknown'}, exit code ${c.exitCode ?? 'none'}` +
          (c.reason ? `, reason: ${c.reason}` : ''),
      ),
      `health: ${healthFromTask(task, ref.containerName).reason}`,
    ];
    const logs = this.#config.logConfiguration;
    const group = logs?.logDriver === 'awslogs' ? logs.options?.['awslogs-group'] : undefined;
    if (group) {
      const prefix = logs?.options?.['awslogs-stream-prefix'];
      const stream = prefix ? `${prefix}/${ref.containerName}/${ref.externalId.split('/').pop()}` : undefined;
      lines.push(`logs: CloudWatch group ${group}${stream ? `, stream ${stream}` : ''}`);
      if (stream) lines.push(...(await this.#logTail(group, stream, logs?.options?.['awslogs-region'])));
    }
    return lines.join('\n');
  }

  toConfig() {
    return this.#raw;
  }

  /** The stream's last lines, or why they cannot be read (debug info never fails for want of them). */
  async #logTail(group: string, stream: string, region: string | undefined): Promise<string[]> {
    try {
      const tail = await readLogTail({
        group,
        stream,
        lines: LOG_TAIL_LINES,
        ...((region ?? this.#config.region) ? { region: region ?? this.#config.region } : {}),
        ...(this.#config.endpoint ? { endpoint: this.#config.endpoint } : {}),
      });
      return tail.length
        ? [`last ${tail.length} line(s) of the log:`, ...tail.map((line) => `  ${line}`)]
        : ['the log stream has no lines yet'];
    } catch (error) {
      return [`the log tail cannot be read: ${awsErrorMessage(error)}`];
    }
  }

  /**
   * Starts the run's task and returns as soon as its ARN is recorded on the run: on Fargate a task
   * may be PROVISIONING/PENDING for a minute, and with the immediate run coordinator the submitter
   * would wait that long. Whether it comes up is run monitoring's question (`cannot_start`, the
   * start timeout), answered from the task's health; a watch in the background replaces a task
   * that failed to start for a passing reason (see #watchStart).
   */
  async #start(ctx: LaunchRunContext, resumeAttempt: number): Promise<WorkerRef> {
    const overrides = parseEcsRunOverrides(ctx.run.tags, this.#config.allowRunOverrides);
    if (!overrides.ok) throw new InvalidConfigError(`${ECS_RUN_TAG} tag of run ${ctx.run.runId}`, overrides.issues);
    const taskDefinition = await this.taskDefinitions.resolve(this.#config, ctx.run.jobName);
    const plan: StartPlan = { ctx, overrides: overrides.overrides, taskDefinition, resumeAttempt };
    // Run monitoring relaunched the run in place of a task that failed to start (its launching
    // process being gone): maxStartRetries counts on from that task, so relaunches do not renew it.
    const previous = isEcsWorkerRef(ctx.previousWorker) ? ctx.previousWorker.startAttempt : 0;
    if (previous > this.#config.maxStartRetries)
      throw new RunyardError(
        `no task of run ${ctx.run.runId} started in ${previous} attempt(s) (maxStartRetries ${this.#config.maxStartRetries}); the last: ${taskLabel(ctx.previousWorker?.externalId as string)}`,
      );
    const ref = await this.#runTask(plan, previous + 1, []);
    if (this.#config.startTimeoutSeconds > 0) this.#watchStart(plan, ref);
    return ref;
  }

  /**
   * RunTask from `startAttempt` on, until ECS places a task, which is recorded on the run before
   * anything waits. A placement failure for lack of room (RESOURCE:*, AGENT) is tried again after
   * a pause, up to maxStartRetries; anything else (a bad ARN …) will not pass and throws at once.
   */
  async #runTask(plan: StartPlan, startAttempt: number, failures: string[]): Promise<EcsWorkerRef> {
    const api = await this.#client();
    for (let attempt = startAttempt; attempt <= this.#config.maxStartRetries + 1; attempt++) {
      const input = runTaskInput({
        config: this.#config,
        overrides: plan.overrides,
        run: plan.ctx.run,
        taskDefinition: plan.taskDefinition,
        args: plan.ctx.worker.args,
        workerEnv: plan.ctx.worker.env,
        launcherEnv: process.env,
        resumeAttempt: plan.resumeAttempt,
        startAttempt: attempt,
      });
      const answer = await withAwsRetry(() => api.runTask(input), this.#retry);
      const arn = answer.tasks?.[0]?.taskArn;
      if (!arn) {
        const why = (answer.failures ?? []).map((f) => `${f.reason ?? 'unknown'}${f.detail ? ` (${f.detail})` : ''}`);
        failures.push(`RunTask placed no task: ${why.join('; ') || 'no reason given'}`);
        if (!why.some((w) => /RESOURCE|AGENT|capacity/i.test(w))) break;
        await this.#pause();
        continue;
      }
      const ref: EcsWorkerRef = {
        launcher: 'EcsRunLauncher',
        externalId: arn,
        cluster: this.#config.cluster,
        taskDefinition: plan.taskDefinition,
        containerName: this.#config.containerName,
        startAttempt: attempt,
      };
      // Recorded before any wait: if this process dies now, terminate and monitoring still find it.
      await plan.ctx.recordWorker(ref);
      return ref;
    }
    throw new RunyardError(
      `ECS could not start the run's task in ${failures.length} attempt(s) (maxStartRetries ${this.#config.maxStartRetries}): ${failures.join(' | ')}`,
    );
  }

  /**
   * Watches a new task, in the background and for at most startTimeoutSeconds, until it leaves
   * PROVISIONING/PENDING. A task that stopped for a passing reason (no capacity, a network
   * interface or a secret that timed out) is replaced by a new one, recorded on the run, up to
   * maxStartRetries; one that runs, or that can never start, is left to run monitoring, which
   * reads the same DescribeTasks sweep (the watch asks through `tasks.getForTick`, so it costs no
   * extra calls in a monitoring process). The watch lives in the launching process: if that
   * process ends first, run monitoring relaunches the run (check-failed-start.ts in runyard), and
   * the new launch counts its start attempts on from the failed task's (previousWorker).
   */
  #watchStart(plan: StartPlan, first: EcsWorkerRef): void {
    const runId = plan.ctx.run.runId;
    this.#watches.get(runId)?.abort.abort();
    const abort = new AbortController();
    const deadline = Date.now() + this.#config.startTimeoutSeconds * 1000;
    let ref = first;
    const watch = async () => {
      const failures: string[] = [];
      while (!abort.signal.aborted && Date.now() < deadline) {
        await this.#pause(abort.signal);
        if (abort.signal.aborted) return;
        const task = await this.tasks.getForTick(ref.cluster, ref.externalId, this.#config.healthCacheMs);
        if (!task || isStarting(task)) continue;
        if (!isStopped(task)) return; // running: the worker claims the run
        const failure = classifyStartFailure(
          task,
          task.containers?.find((c) => c.name === ref.containerName),
        );
        // It ran and ended, or it can never start, or it is out of attempts: monitoring reads why.
        if (!failure?.retryable || ref.startAttempt > this.#config.maxStartRetries) return;
        failures.push(healthFromTask(task, ref.containerName).reason ?? '');
        ref = await this.#runTask(plan, ref.startAttempt + 1, failures);
      }
    };
    const done = watch()
      // A RunTask that failed here leaves the stopped task recorded: its health says why.
      .catch(() => undefined)
      .finally(() => {
        // What the watch last saw may be a second old: the first health check after it asks afresh.
        this.tasks.forget(ref.cluster, ref.externalId);
        if (this.#watches.get(runId)?.abort === abort) this.#watches.delete(runId);
      });
    this.#watches.set(runId, { abort, done });
  }

  /** Resolves when the start watches under way have ended (for tests, and for dispose). */
  async startWatchesSettled(): Promise<void> {
    while (this.#watches.size > 0) await Promise.all([...this.#watches.values()].map((w) => w.done));
  }

  override async dispose(): Promise<void> {
    for (const watch of this.#watches.values()) watch.abort.abort();
    await this.startWatchesSettled();
    await super.dispose();
  }

  /** Polls the task until `done` holds or `ms` pass; the last answer (undefined if ECS lost it). */
  async #waitFor(ref: EcsWorkerRef, ms: number, done: (task: EcsTask) => boolean): Promise<EcsTask | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const task = await this.tasks.get(ref.cluster, ref.externalId);
      if (!task || done(task) || Date.now() >= deadline) return task;
      await this.#pause();
    }
  }

  #pause(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.#config.pollSeconds * 1000);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  #client(): Promise<EcsApi> {
    const source = this.#source;
    this.#ecs ??= Promise.resolve(
      typeof source === 'function'
        ? source()
        : (source ??
            loadEcsClient({
              ...(this.#config.region ? { region: this.#config.region } : {}),
              ...(this.#config.endpoint ? { endpoint: this.#config.endpoint } : {}),
            })),
    );
    return this.#ecs;
  }
}
