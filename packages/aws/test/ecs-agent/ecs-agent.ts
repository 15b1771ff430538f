import { PassThrough } from 'node:stream';
import { CloudWatchLogs } from '@aws-sdk/client-cloudwatch-logs';
import { type ContainerDefinition, ECS, type Task, type TaskDefinition } from '@aws-sdk/client-ecs';
import type Docker from 'dockerode';
import type { DockerEngine } from '../../../docker/test/support/dockerd.js';
import type { MotoServer } from './moto-server.js';

/**
 * A TEST TOOL, not part of @runyard/aws: the ECS agent that moto lacks. moto accepts RunTask but
 * runs no containers; this agent watches moto's cluster for new tasks and runs each task's worker
 * container on a real Docker engine (the task definition's image, volumes, cpu and memory limits, the
 * RunTask overrides' command and environment), so that an out-of-memory kill is real, then writes
 * the real outcome (status, stop code, reason, exit code) into moto through its control endpoint.
 * StopTask is carried out as ECS does it: SIGTERM, the container's stopTimeout, then SIGKILL.
 *
 * Faults by task tag `runyard.fault`, `<kind>` or `<kind>:<n>` (only the first n start attempts,
 * read from the `runyard.attempt` tag): `capacity`, `image` (pull failure), `eni` (network interface
 * timeout), `spot` (the task runs, then Fargate Spot takes it back; `spot:1` counts the run's
 * tasks by the `runyard.resume-attempt` tag, so only the first, not the resumed one, is taken).
 *
 * With the awslogs driver, the container's output goes to CloudWatch Logs while it runs (a batch
 * every LOG_FLUSH_MS), as the real driver does, so a test can read a live run's output.
 */

export const FAULT_TAG = 'runyard.fault';
const TICK_MS = 100;
const SPOT_AFTER_MS = 1_500;
const LOG_FLUSH_MS = 200;

const FAULT_REASONS: Readonly<Record<string, string>> = {
  capacity: 'Capacity is unavailable at this time. Please try again later or in a different availability zone',
  image: 'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref: not found',
  eni: 'ResourceInitializationError: failed to configure ENI: timeout waiting for network interface provisioning to complete',
};

interface Running {
  readonly container: Docker.Container;
  readonly stopTimeout: number;
  stopping: boolean;
  spot: boolean;
}

/** How long stop() waits for the tasks' work (reporting outcomes to moto) after killing them. */
const STOP_WAIT_MS = 10_000;

export class EcsAgent {
  readonly #ecs: ECS;
  readonly #logs: CloudWatchLogs;
  readonly #docker: Docker;
  readonly #moto: MotoServer;
  readonly #cluster: string;
  readonly #seen = new Set<string>();
  readonly #running = new Map<string, Running>();
  readonly #work = new Set<Promise<unknown>>();
  readonly #definitions = new Map<string, Promise<TaskDefinition | undefined>>();
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  /** Problems the agent met (a container that could not start …), for the test to show. */
  readonly errors: string[] = [];

  constructor(moto: MotoServer, engine: DockerEngine, cluster: string) {
    this.#moto = moto;
    this.#cluster = cluster;
    this.#ecs = new ECS({
      endpoint: moto.endpoint,
      region: moto.env.AWS_REGION,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    this.#logs = new CloudWatchLogs({
      endpoint: moto.endpoint,
      region: moto.env.AWS_REGION,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    this.#docker = engine.api as unknown as Docker;
  }

  start(): void {
    this.#timer = setInterval(() => void this.#tick(), TICK_MS);
  }

  /**
   * Stops watching, kills what still runs (a task the test left behind must not hold the file's
   * teardown until the hook times out), then waits a bounded while for the tasks' work to settle.
   */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.allSettled([...this.#running.values()].map((r) => r.container.kill({ signal: 'SIGKILL' })));
    await Promise.race([
      Promise.allSettled([...this.#work]),
      new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref()),
    ]);
  }

  /**
   * Fargate Spot takes the task's capacity back now: ECS's SIGTERM, the stop timeout, then the
   * task stops with `SpotInterruption`. For a test that picks the moment (the `spot` fault tag
   * strikes at a fixed delay, which may come before the worker has claimed its run).
   */
  interruptSpot(taskArn: string): void {
    const running = this.#running.get(taskArn);
    if (!running) throw new Error(`the agent runs no task ${taskArn}`);
    if (running.stopping) return;
    running.spot = true;
    running.stopping = true;
    this.#track(running.container.stop({ t: running.stopTimeout }).catch(() => undefined));
  }

  /** The container that runs (or ran) a task, if the agent started one. */
  containerOf(taskArn: string): Docker.Container | undefined {
    return this.#running.get(taskArn)?.container;
  }

  async #tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      const { taskArns = [] } = await this.#ecs.listTasks({ cluster: this.#cluster });
      const fresh = taskArns.filter((arn) => !this.#seen.has(arn));
      const watched = [...this.#running].filter(([, r]) => !r.stopping).map(([arn]) => arn);
      const arns = [...fresh, ...watched];
      for (let i = 0; i < arns.length; i += 100) {
        const { tasks = [] } = await this.#ecs.describeTasks({
          cluster: this.#cluster,
          tasks: arns.slice(i, i + 100),
          include: ['TAGS'],
        });
        for (const task of tasks) this.#consider(task);
      }
    } catch (error) {
      this.errors.push(`tick: ${(error as Error).message}`);
    } finally {
      this.#ticking = false;
    }
  }

  #consider(task: Task): void {
    const arn = task.taskArn as string;
    if (!this.#seen.has(arn)) {
      this.#seen.add(arn);
      if (task.lastStatus === 'PROVISIONING') this.#track(this.#launch(task));
      return;
    }
    const running = this.#running.get(arn);
    if (running && !running.stopping && task.desiredStatus === 'STOPPED') {
      running.stopping = true;
      this.#track(running.container.stop({ t: running.stopTimeout }).catch(() => undefined));
    }
  }

  #track(work: Promise<unknown>): void {
    const tracked = work.catch((error) => this.errors.push(String(error))).finally(() => this.#work.delete(tracked));
    this.#work.add(tracked);
  }

  async #launch(task: Task): Promise<void> {
    const arn = task.taskArn as string;
    const tags = Object.fromEntries((task.tags ?? []).map((t) => [t.key, t.value]));
    const fault = activeFault(
      tags[FAULT_TAG],
      Number(tags['runyard.attempt'] ?? 1),
      Number(tags['runyard.resume-attempt'] ?? 0) + 1,
    );
    const definition = await this.#definition(task.taskDefinitionArn as string);
    const worker = definition?.containerDefinitions?.[0];
    if (!worker) throw new Error(`task ${arn}: no container definition`);
    const name = worker.name as string;
    if (fault && FAULT_REASONS[fault]) {
      const reason = FAULT_REASONS[fault];
      await this.#report(arn, {
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stopCode: 'TaskFailedToStart',
        stoppedReason: reason,
        containers: [{ name, lastStatus: 'STOPPED', ...(fault === 'image' ? { reason } : {}) }],
      });
      return;
    }
    const override = task.overrides?.containerOverrides?.find((c) => c.name === name);
    const env = [...(worker.environment ?? []), ...(override?.environment ?? [])].map((e) => `${e.name}=${e.value}`);
    const memoryMiB = override?.memory ?? worker.memory;
    // ECS cpu units (1024 = one vCPU): the task's override, else the task's, else the container's.
    const cpuUnits = Number(task.overrides?.cpu ?? definition?.cpu ?? worker.cpu ?? 0);
    const binds = (worker.mountPoints ?? []).flatMap((m) => {
      const volume = definition?.volumes?.find((v) => v.name === m.sourceVolume);
      const source = volume?.host?.sourcePath;
      return source ? [`${source}:${m.containerPath}${m.readOnly ? ':ro' : ''}`] : [];
    });
    const container = await this.#docker.createContainer({
      Image: worker.image as string,
      ...(worker.entryPoint ? { Entrypoint: worker.entryPoint } : {}),
      Cmd: override?.command ?? worker.command ?? [],
      Env: env,
      Labels: { 'runyard-test.ecs-task': arn },
      HostConfig: {
        NetworkMode: 'none',
        Binds: binds,
        Init: true,
        ...(memoryMiB ? { Memory: memoryMiB * 1024 ** 2, MemorySwap: memoryMiB * 1024 ** 2 } : {}),
        ...(cpuUnits > 0 ? { NanoCpus: Math.round((cpuUnits / 1024) * 1e9) } : {}),
      },
    });
    const running: Running = { container, stopTimeout: worker.stopTimeout ?? 30, stopping: false, spot: false };
    this.#running.set(arn, running);
    // 'next-exit': a wait made before start would otherwise return at once for a created container.
    const exited = container.wait({ condition: 'next-exit' });
    await container.start();
    await this.#report(arn, { lastStatus: 'RUNNING', containers: [{ name, lastStatus: 'RUNNING' }] });
    const logsShipped = await this.#shipLogs(worker, arn, container);
    if (fault === 'spot') setTimeout(() => this.interruptSpot(arn), SPOT_AFTER_MS);
    await exited;
    const state = (await container.inspect()).State;
    await logsShipped();
    const oom = state.OOMKilled === true;
    const stopCode = running.spot
      ? 'SpotInterruption'
      : running.stopping
        ? 'UserInitiated'
        : 'EssentialContainerExited';
    await this.#report(arn, {
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode,
      ...(running.spot
        ? { stoppedReason: 'Your Spot Task was interrupted.' }
        : stopCode === 'EssentialContainerExited'
          ? { stoppedReason: 'Essential container in task exited' }
          : {}),
      containers: [
        {
          name,
          lastStatus: 'STOPPED',
          exitCode: state.ExitCode,
          ...(oom ? { reason: 'OutOfMemoryError: Container killed due to memory usage' } : {}),
        },
      ],
    });
  }

  /**
   * The awslogs driver's work: the container's output, one event a line, in
   * `<prefix>/<name>/<taskId>`, sent while the container runs. Returns what ends it: the last lines
   * are sent once the container's log stream has ended.
   */
  async #shipLogs(worker: ContainerDefinition, arn: string, container: Docker.Container): Promise<() => Promise<void>> {
    const options = worker.logConfiguration?.logDriver === 'awslogs' ? worker.logConfiguration.options : undefined;
    const group = options?.['awslogs-group'];
    if (!group) return async () => undefined;
    const stream = `${options['awslogs-stream-prefix']}/${worker.name}/${arn.split('/').pop()}`;
    await this.#logs.createLogGroup({ logGroupName: group }).catch(() => undefined);
    await this.#logs.createLogStream({ logGroupName: group, logStreamName: stream });
    const raw = (await container.logs({
      stdout: true,
      stderr: true,
      follow: true,
    })) as unknown as NodeJS.ReadableStream;
    const text = new PassThrough();
    // awslogs merges stdout and stderr into one stream.
    container.modem.demuxStream(raw, text, text);
    const ended = new Promise<void>((resolve) => {
      raw.on('end', resolve);
      raw.on('close', resolve);
      raw.on('error', () => resolve());
    });
    let pending = '';
    text.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
    });
    const send = async (all: boolean) => {
      const cut = all ? pending.length : pending.lastIndexOf('\n') + 1;
      if (cut === 0) return;
      const lines = pending.slice(0, cut).split('\n');
      pending = pending.slice(cut);
      if (lines.at(-1) === '') lines.pop();
      if (!lines.length) return;
      const now = Date.now();
      await this.#logs.putLogEvents({
        logGroupName: group,
        logStreamName: stream,
        logEvents: lines.map((message) => ({ message, timestamp: now })),
      });
    };
    let sending = Promise.resolve();
    const next = (all: boolean) => {
      sending = sending.then(() => send(all)).catch((error) => void this.errors.push(`logs: ${String(error)}`));
      return sending;
    };
    const timer = setInterval(() => void next(false), LOG_FLUSH_MS);
    return async () => {
      await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      clearInterval(timer);
      await next(true);
    };
  }

  #definition(arn: string): Promise<TaskDefinition | undefined> {
    let found = this.#definitions.get(arn);
    if (!found) {
      found = this.#ecs.describeTaskDefinition({ taskDefinition: arn }).then((r) => r.taskDefinition);
      this.#definitions.set(arn, found);
    }
    return found;
  }

  #report(taskArn: string, fields: Record<string, unknown>): Promise<void> {
    return this.#moto.setTask({ cluster: this.#cluster, taskArn, ...fields });
  }
}

/** `capacity` → capacity; `capacity:2` → capacity for start attempts 1 and 2 only. */
function activeFault(tag: string | undefined, startAttempt: number, taskOfRun: number): string | undefined {
  if (!tag) return undefined;
  const [kind, upTo] = tag.split(':');
  const attempt = kind === 'spot' ? taskOfRun : startAttempt;
  return upTo === undefined || attempt <= Number(upTo) ? kind : undefined;
}
