import path from 'node:path';
import {
  type ComponentContext,
  type ComputeLogManager,
  InvalidConfigError,
  LocalComputeLogManager,
  type LogChunk,
  type LogStream,
} from 'runyard';
import { z } from 'zod';
import { type EcsApi, loadEcsClient } from './ecs-client.js';
import { ECS_TAGS } from './ecs-run-task-input.js';

/**
 * Run output from CloudWatch Logs, for runs whose ECS tasks use the `awslogs` driver: `run logs
 * --stdout` and the UI read the worker container's stream(s), `<streamPrefix>/<container>/<taskId>`,
 * of every task the run had (a relaunch or a resume adds one), in order. awslogs merges stdout and
 * stderr into one stream, so both are under stdout. Runs that ran elsewhere (no ECS task) are read
 * from local files as LocalComputeLogManager does.
 *
 *   computeLogs: { module: '@runyard/aws', class: CloudWatchComputeLogManager,
 *                  config: { cluster: runs, logGroup: /runyard/runs, streamPrefix: runyard } }
 */

export const cloudWatchComputeLogManagerConfigSchema = z.strictObject({
  /** The awslogs-group of the task definition. */
  logGroup: z.string().min(1),
  /** The awslogs-stream-prefix of the task definition. */
  streamPrefix: z.string().min(1),
  /** The ECS cluster the runs' tasks run in (to find a run's tasks by their runyard.run-id tag). */
  cluster: z.string().min(1).default('default'),
  containerName: z.string().min(1).default('run'),
  /** Local files for workers that run on this machine; default `<home>/compute_logs`. */
  baseDir: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  endpoint: z.url().optional(),
});
export type CloudWatchComputeLogManagerConfig = z.input<typeof cloudWatchComputeLogManagerConfigSchema>;

/** The CloudWatch Logs call the manager makes. */
export interface CloudWatchLogsApi {
  getLogEvents(input: {
    logGroupName: string;
    logStreamName: string;
    startFromHead: true;
    nextToken?: string;
  }): Promise<{ events?: { message?: string }[]; nextForwardToken?: string }>;
}

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

export class CloudWatchComputeLogManager implements ComputeLogManager {
  readonly config: z.output<typeof cloudWatchComputeLogManagerConfigSchema>;
  readonly #local: LocalComputeLogManager;
  readonly #options: { readonly ecs?: EcsApi; readonly logs?: CloudWatchLogsApi };
  #ecs: Promise<EcsApi> | undefined;
  #logs: Promise<CloudWatchLogsApi> | undefined;

  constructor(
    config: CloudWatchComputeLogManagerConfig,
    ctx?: ComponentContext,
    options: { readonly ecs?: EcsApi; readonly logs?: CloudWatchLogsApi } = {},
  ) {
    const parsed = cloudWatchComputeLogManagerConfigSchema.safeParse(config);
    if (!parsed.success)
      throw new InvalidConfigError(
        'CloudWatchComputeLogManager config',
        parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
      );
    this.config = Object.freeze(parsed.data);
    const home = ctx?.home ?? process.cwd();
    this.#local = new LocalComputeLogManager({ baseDir: path.resolve(home, this.config.baseDir ?? 'compute_logs') });
    this.#options = options;
  }

  localPaths(runId: string) {
    return this.#local.localPaths(runId);
  }

  async read(
    runId: string,
    stream: LogStream,
    options: { offset?: number; maxBytes?: number } = {},
  ): Promise<LogChunk> {
    const taskIds = await this.#taskIds(runId);
    if (!taskIds.length) return this.#local.read(runId, stream, options);
    if (stream === 'stderr') return { data: '', nextOffset: options.offset ?? 0, exists: false };
    const text = Buffer.from((await Promise.all(taskIds.map((id) => this.#streamText(id)))).join(''), 'utf8');
    const offset = Math.min(options.offset ?? 0, text.length);
    const end = Math.min(text.length, offset + (options.maxBytes ?? DEFAULT_MAX_BYTES));
    return { data: text.subarray(offset, end).toString('utf8'), nextOffset: end, exists: true };
  }

  /** CloudWatch keeps logs by the group's retention; only the local files are deleted. */
  delete(runId: string): Promise<void> {
    return this.#local.delete(runId);
  }

  async #streamText(taskId: string): Promise<string> {
    const logs = await this.#logsClient();
    const logStreamName = `${this.config.streamPrefix}/${this.config.containerName}/${taskId}`;
    let text = '';
    let token: string | undefined;
    for (;;) {
      let page: Awaited<ReturnType<CloudWatchLogsApi['getLogEvents']>>;
      try {
        page = await logs.getLogEvents({
          logGroupName: this.config.logGroup,
          logStreamName,
          startFromHead: true,
          ...(token ? { nextToken: token } : {}),
        });
      } catch (error) {
        // The stream appears when the container first writes; until then there is nothing to read.
        if ((error as { name?: string }).name === 'ResourceNotFoundException') return text;
        throw error;
      }
      for (const event of page.events ?? []) text += `${event.message ?? ''}\n`;
      // GetLogEvents gives the same token back at the end of the stream.
      if (!page.nextForwardToken || page.nextForwardToken === token || !page.events?.length) return text;
      token = page.nextForwardToken;
    }
  }

  /** The run's tasks, found by their runyard.run-id tag among the cluster's running and stopped tasks. */
  async #taskIds(runId: string): Promise<string[]> {
    const ecs = await this.#ecsClient();
    const found: { id: string; resume: number; attempt: number }[] = [];
    for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
      let nextToken: string | undefined;
      do {
        const page = await (
          ecs as EcsApi & {
            listTasks(input: Record<string, unknown>): Promise<{ taskArns?: string[]; nextToken?: string }>;
          }
        ).listTasks({ cluster: this.config.cluster, desiredStatus, ...(nextToken ? { nextToken } : {}) });
        nextToken = page.nextToken;
        const arns = page.taskArns ?? [];
        for (let i = 0; i < arns.length; i += 100) {
          const { tasks = [] } = await ecs.describeTasks({
            cluster: this.config.cluster,
            tasks: arns.slice(i, i + 100),
            include: ['TAGS'],
          });
          for (const task of tasks) {
            const tags = Object.fromEntries((task.tags ?? []).map((t) => [t.key, t.value]));
            if (tags[ECS_TAGS.runId] === runId && task.taskArn)
              found.push({
                id: task.taskArn.split('/').pop() as string,
                resume: Number(tags[ECS_TAGS.resumeAttempt] ?? 0),
                attempt: Number(tags[ECS_TAGS.attempt] ?? 1),
              });
          }
        }
      } while (nextToken);
    }
    // Oldest first: a resume's tasks come after the launch's, and a replaced task before its replacement.
    return [...new Set(found.sort((a, b) => a.resume - b.resume || a.attempt - b.attempt).map((f) => f.id))];
  }

  #ecsClient(): Promise<EcsApi> {
    this.#ecs ??= this.#options.ecs
      ? Promise.resolve(this.#options.ecs)
      : loadEcsClient({
          ...(this.config.region ? { region: this.config.region } : {}),
          ...(this.config.endpoint ? { endpoint: this.config.endpoint } : {}),
        });
    return this.#ecs;
  }

  async #logsClient(): Promise<CloudWatchLogsApi> {
    this.#logs ??= this.#options.logs
      ? Promise.resolve(this.#options.logs)
      : (async () => {
          let mod: { CloudWatchLogs: new (options: Record<string, unknown>) => unknown };
          try {
            mod = (await import('@aws-sdk/client-cloudwatch-logs')) as unknown as typeof mod;
          } catch (error) {
            throw new Error(
              "CloudWatchComputeLogManager needs the '@aws-sdk/client-cloudwatch-logs' package (npm install @aws-sdk/client-cloudwatch-logs)",
              { cause: error },
            );
          }
          return new mod.CloudWatchLogs({
            ...(this.config.region ? { region: this.config.region } : {}),
            ...(this.config.endpoint ? { endpoint: this.config.endpoint } : {}),
          }) as CloudWatchLogsApi;
        })();
    return this.#logs;
  }
}
