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
import { awsErrorMessage, type EcsApi, type EcsTask, loadEcsClient } from './ecs-client.js';
import { DEFAULT_RETRY, type RetryPolicy, withAwsRetry } from './ecs-retry.js';
import {
  type EcsRunLauncherConfig,
  ecsRunLauncherConfigSchema,
  type ResolvedEcsRunLauncherConfig,
} from './ecs-run-launcher-config.js';
import { ECS_RUN_TAG, parseEcsRunOverrides } from './ecs-run-overrides.js';
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
    return healthFromTask(task, ref.containerName);
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
    if (logs?.logDriver === 'awslogs' && logs.options?.['awslogs-group']) {
      const prefix = logs.options['awslogs-stream-prefix'];
      const id = ref.externalId.split('/').pop();
      lines.push(
        `logs: CloudWatch group ${logs.options['awslogs-group']}` +
          (prefix ? `, stream ${prefix}/${ref.containerName}/${id}` : ''),
      );
    }
    return lines.join('\n');
  }

  toConfig() {
    return this.#raw;
  }

  async #start(ctx: LaunchRunContext, resumeAttempt: number): Promise<WorkerRef> {
    const overrides = parseEcsRunOverrides(ctx.run.tags, this.#config.allowRunOverrides);
    if (!overrides.ok) throw new InvalidConfigError(`${ECS_RUN_TAG} tag of run ${ctx.run.runId}`, overrides.issues);
    const taskDefinition = await this.taskDefinitions.resolve(this.#config, ctx.run.jobName);
    const api = await this.#client();
    const attempts = this.#config.maxStartRetries + 1;
    const failures: string[] = [];
    for (let startAttempt = 1; startAttempt <= attempts; startAttempt++) {
      const input = runTaskInput({
        config: this.#config,
        overrides: overrides.overrides,
        run: ctx.run,
        taskDefinition,
        args: ctx.worker.args,
        workerEnv: ctx.worker.env,
        launcherEnv: process.env,
        resumeAttempt,
        startAttempt,
      });
      const answer = await withAwsRetry(() => api.runTask(input), this.#retry);
      const arn = answer.tasks?.[0]?.taskArn;
      if (!arn) {
        const why = (answer.failures ?? []).map((f) => `${f.reason ?? 'unknown'}${f.detail ? ` (${f.detail})` : ''}`);
        failures.push(`RunTask placed no task: ${why.join('; ') || 'no reason given'}`);
        // RESOURCE:* and AGENT mean no capacity right now; anything else (a bad ARN …) will not pass.
        if (!why.some((w) => /RESOURCE|AGENT|capacity/i.test(w))) break;
        await this.#pause();
        continue;
      }
      const ref: EcsWorkerRef = {
        launcher: 'EcsRunLauncher',
        externalId: arn,
        cluster: this.#config.cluster,
        taskDefinition,
        containerName: this.#config.containerName,
        startAttempt,
      };
      // Recorded before any wait: if this process dies now, terminate and monitoring still find it.
      await ctx.recordWorker(ref);
      if (this.#config.startTimeoutSeconds === 0) return ref;
      const task = await this.#waitFor(ref, this.#config.startTimeoutSeconds * 1000, (t) => !isStarting(t));
      if (!task || !isStopped(task)) return ref;
      const startFailure = classifyStartFailure(
        task,
        task.containers?.find((c) => c.name === ref.containerName),
      );
      if (!startFailure) return ref; // it ran; the monitor reads how it ended
      const reason = healthFromTask(task, ref.containerName).reason ?? '';
      failures.push(reason);
      if (!startFailure.retryable) throw new RunyardError(`ECS could not start the run's task: ${reason}`);
    }
    throw new RunyardError(
      `ECS could not start the run's task in ${failures.length} attempt(s) (maxStartRetries ${this.#config.maxStartRetries}): ${failures.join(' | ')}`,
    );
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

  #pause(): Promise<void> {
    return new Promise((r) => setTimeout(r, this.#config.pollSeconds * 1000));
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
