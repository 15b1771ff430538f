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
import {
  type DockerApi,
  type DockerContainerHandle,
  type DockerContainerInspect,
  type DockerCreateOptions,
  demuxDockerLogs,
  describeDockerHost,
  dockerStatusCode,
  finishPull,
  isDockerUnreachable,
  loadDockerode,
} from './docker-client.js';
import { containerSpec } from './docker-container-spec.js';
import { DockerContainerSweeper } from './docker-container-sweeper.js';
import {
  type DockerRunLauncherConfig,
  dockerRunLauncherConfigSchema,
  type ResolvedDockerRunLauncherConfig,
} from './docker-run-launcher-config.js';
import { DOCKER_RUN_TAG, mergeRunOverrides, parseRunOverrides } from './docker-run-overrides.js';
import { type DockerWorkerRef, healthFromState, isDockerWorkerRef } from './docker-worker-state.js';

export interface DockerRunLauncherOptions {
  /** A Docker client to use instead of dockerode (tests, or an application's own client). */
  readonly docker?: DockerApi | (() => DockerApi | Promise<DockerApi>);
}

const POLL_MS = 50;
const KILL_WAIT_MS = 10_000;
const LOG_TAIL_LINES = 30;
/** Lines of a container's logs `run logs` and the kept evidence read. */
const WORKER_OUTPUT_TAIL_LINES = 10_000;

/**
 * Runs each run's worker in its own Docker container: `<command> worker execute-run <runId>`,
 * labelled with the run, given the instance config in RUNYARD_INSTANCE. See docs/docker.md.
 */
export class DockerRunLauncher extends BaseRunLauncher {
  /** Checked by the instance when runyard.yaml names this class, and by the constructor. */
  static readonly configSchema = dockerRunLauncherConfigSchema;

  readonly #config: ResolvedDockerRunLauncherConfig;
  /** What toConfig() gives back: the config as written, `{ env: NAME }` references unresolved. */
  readonly #raw: { readonly module?: string; readonly class: string; readonly config?: Record<string, unknown> };
  readonly #dockerHost: string;
  readonly #sweeper: DockerContainerSweeper | undefined;
  readonly #dockerSource: DockerRunLauncherOptions['docker'];
  #docker: Promise<DockerApi> | undefined;
  /** Whose containers the sweep may remove: from the instance, or learnt at the first launch. */
  #home: string | undefined;

  constructor(config: DockerRunLauncherConfig, ctx?: ComponentContext, options: DockerRunLauncherOptions = {}) {
    super();
    const parsed = dockerRunLauncherConfigSchema.safeParse(config);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
      throw new InvalidConfigError('DockerRunLauncher config', issues);
    }
    this.#config = Object.freeze(parsed.data);
    this.#raw = ctx?.raw ?? { class: 'DockerRunLauncher', config: { ...config } as Record<string, unknown> };
    this.#dockerHost = describeDockerHost(this.#config.dockerHost);
    this.#home = ctx?.home;
    this.#dockerSource = options.docker;
    const retention = this.#config.autoRemoveAfterSeconds;
    this.#sweeper = retention === undefined ? undefined : new DockerContainerSweeper(retention);
  }

  override get capabilities(): LauncherCapabilities {
    return { healthCheck: true, resume: true, debugInfo: true };
  }

  /** Read by the instance's managed launcher as the default grace for terminate. */
  get terminateGraceMs(): number {
    return this.#config.terminateGraceSeconds * 1000;
  }

  /** The validated config, defaults filled in. */
  get config(): ResolvedDockerRunLauncherConfig {
    return this.#config;
  }

  launchRun(ctx: LaunchRunContext): Promise<WorkerRef> {
    return this.#start(ctx);
  }

  /** A new container for the same run; the worker's `--resume` skips the steps that succeeded. */
  override resumeRun(ctx: ResumeRunContext): Promise<WorkerRef> {
    return this.#start(ctx);
  }

  checkRunTags(ctx: CheckRunTagsContext): readonly ConfigIssue[] {
    const outcome = parseRunOverrides(ctx.tags, this.#config.allowRunOverrides);
    return outcome.ok ? [] : outcome.issues;
  }

  async terminate(ctx: TerminateContext): Promise<TerminateResult> {
    const ref = isDockerWorkerRef(ctx.run.worker) ? ctx.run.worker : undefined;
    if (!ref) return { stopped: false, escalated: false, detail: 'no container was recorded for the run' };
    const docker = await this.#client();
    const container = docker.getContainer(ref.externalId);
    const label = containerLabel(ref);
    const info = await inspectOrMissing(container);
    if (!info) return { stopped: false, escalated: false, detail: `container ${label} no longer exists` };
    if (!info.State.Running)
      return { stopped: false, escalated: false, detail: `container ${label} had already exited` };

    // Not `docker stop`: it sends SIGTERM and kills after the timeout too, but does not say which
    // of the two stopped the container, and terminate must report an escalation truthfully.
    if (ctx.graceMs > 0) {
      if (!(await signal(container, 'SIGTERM')))
        return { stopped: false, escalated: false, detail: `container ${label} had already exited` };
      if (await waitForExit(container, ctx.graceMs))
        return { stopped: true, escalated: false, detail: `sent SIGTERM to container ${label}; it exited` };
    }
    if (!(await signal(container, 'SIGKILL')))
      return { stopped: true, escalated: false, detail: `sent SIGTERM to container ${label}; it exited` };
    if (!(await waitForExit(container, KILL_WAIT_MS)))
      throw new RunyardError(`container ${label} is still running ${KILL_WAIT_MS} ms after SIGKILL`);
    const detail =
      ctx.graceMs === 0
        ? `killed container ${label} with SIGKILL`
        : `container ${label} ignored SIGTERM for ${formatSeconds(ctx.graceMs)}; killed it with SIGKILL`;
    return { stopped: true, escalated: true, detail };
  }

  override async checkRunWorkerHealth(run: RunRecord): Promise<WorkerHealth> {
    const ref = isDockerWorkerRef(run.worker) ? run.worker : undefined;
    if (!ref) return { status: 'NOT_FOUND', reason: 'no container was recorded for the run' };
    let info: DockerContainerInspect | undefined;
    let docker: DockerApi;
    try {
      docker = await this.#client();
      info = await inspectOrMissing(docker.getContainer(ref.externalId));
    } catch (error) {
      if (!isDockerUnreachable(error)) throw error;
      return {
        status: 'UNKNOWN',
        transient: true,
        reason: `cannot reach the Docker engine at ${this.#dockerHost}: ${(error as Error).message}`,
      };
    }
    // After the inspect, so a sweep never removes the container this check is about to read.
    this.#sweepSoon(docker);
    if (!info)
      return {
        status: 'NOT_FOUND',
        reason: `container ${containerLabel(ref)} no longer exists (removed by hand, or after its retention)`,
      };
    return healthFromState(info, containerLabel(ref));
  }

  override async debugInfo(run: RunRecord): Promise<string | undefined> {
    const ref = isDockerWorkerRef(run.worker) ? run.worker : undefined;
    if (!ref) return undefined;
    const label = containerLabel(ref);
    const container = (await this.#client()).getContainer(ref.externalId);
    const info = await inspectOrMissing(container);
    if (!info) return `container ${label} (image ${ref.image}) on ${ref.dockerHost} no longer exists`;
    const state = info.State;
    const facts = [
      `status ${state.Status ?? 'unknown'}`,
      ...(state.Running ? [] : [`exit code ${state.ExitCode ?? 'unknown'}`]),
      `OOMKilled ${state.OOMKilled === true}`,
      ...(state.Error ? [`error: ${state.Error}`] : []),
    ];
    const lines = [
      `container ${label} (image ${ref.image}) on ${ref.dockerHost}: ${facts.join(', ')}`,
      `health: ${healthFromState(info, label).reason}`,
    ];
    const logs = demuxDockerLogs(
      await container.logs({ stdout: true, stderr: true, follow: false, tail: LOG_TAIL_LINES }),
    ).trimEnd();
    lines.push(logs ? `last ${LOG_TAIL_LINES} lines of its logs:\n${logs}` : 'its logs are empty');
    return lines.join('\n');
  }

  /** One stream of the container's logs while it exists (undefined once it is removed). */
  override async readWorkerOutput(run: RunRecord, stream: 'stdout' | 'stderr'): Promise<string | undefined> {
    const ref = isDockerWorkerRef(run.worker) ? run.worker : undefined;
    if (!ref) return undefined;
    const container = (await this.#client()).getContainer(ref.externalId);
    try {
      const logs = await container.logs({
        stdout: stream === 'stdout',
        stderr: stream === 'stderr',
        follow: false,
        tail: WORKER_OUTPUT_TAIL_LINES,
      });
      return demuxDockerLogs(logs);
    } catch (error) {
      if (dockerStatusCode(error) === 404) return undefined;
      throw error;
    }
  }

  /**
   * Removes this instance's exited containers whose retention has passed (autoRemoveAfterSeconds),
   * now rather than at the next launch or health check. Returns the ids removed.
   */
  async removeExpiredContainers(): Promise<string[]> {
    if (!this.#sweeper || this.#home === undefined) return [];
    return this.#sweeper.sweep(await this.#client(), this.#home);
  }

  toConfig() {
    return this.#raw;
  }

  override async dispose(): Promise<void> {
    await this.#sweeper?.running?.catch(() => undefined);
    // Only sweep with a client that is already loaded: a process that never launched anything
    // (a run worker, `runyard run list`) should not load dockerode just to exit.
    if (this.#docker) await this.removeExpiredContainers().catch(() => undefined);
  }

  async #start(ctx: LaunchRunContext): Promise<WorkerRef> {
    this.#home ??= ctx.home;
    const overrides = parseRunOverrides(ctx.run.tags, this.#config.allowRunOverrides);
    if (!overrides.ok) throw new InvalidConfigError(`${DOCKER_RUN_TAG} tag of run ${ctx.run.runId}`, overrides.issues);
    const settings = mergeRunOverrides(this.#config, overrides.overrides);
    const spec = containerSpec({
      settings,
      run: ctx.run,
      home: ctx.home,
      namePrefix: this.#config.containerNamePrefix,
      args: ctx.worker.args,
      workerEnv: ctx.worker.env,
      launcherEnv: process.env,
    });
    const docker = await this.#client();
    const { id } = await this.#create(docker, spec);
    const ref: DockerWorkerRef = {
      launcher: 'DockerRunLauncher',
      externalId: id,
      containerName: spec.name as string,
      image: spec.Image,
      dockerHost: this.#dockerHost,
    };
    // Recorded before start: if this process dies now, terminate and monitoring still find it.
    await ctx.recordWorker(ref);
    const container = docker.getContainer(id);
    try {
      await container.start();
    } catch (error) {
      await container.remove({ force: true, v: true }).catch(() => undefined);
      throw new RunyardError(`could not start container ${containerLabel(ref)}: ${dockerMessage(error)}`, {
        cause: error,
      });
    }
    this.#sweepSoon(docker);
    return ref;
  }

  async #create(docker: DockerApi, spec: DockerCreateOptions): Promise<{ readonly id: string }> {
    try {
      return await docker.createContainer(spec);
    } catch (error) {
      if (!isMissingImage(error)) throw this.#engineError(`could not create a container from ${spec.Image}`, error);
      if (!this.#config.pull) {
        throw new RunyardError(
          `image '${spec.Image}' is not on the Docker host ${this.#dockerHost}, and DockerRunLauncher does not pull ` +
            'unless its config sets pull: true; build or load the image on that host, or set pull: true',
          {
            cause: error,
            data: { image: spec.Image, dockerHost: this.#dockerHost, failureClass: 'image', retryable: false },
          },
        );
      }
    }
    try {
      await finishPull(await docker.pull(spec.Image));
    } catch (error) {
      const failed = this.#engineError(`could not pull image '${spec.Image}'`, error);
      // Unreachable engine: the platform's, maybe for a moment; otherwise the image cannot be had.
      const image = !isDockerUnreachable(error);
      throw new RunyardError(failed.message, {
        cause: error,
        data: { image: spec.Image, failureClass: image ? 'image' : 'infra', retryable: !image },
      });
    }
    try {
      return await docker.createContainer(spec);
    } catch (error) {
      throw this.#engineError(`could not create a container from ${spec.Image} after pulling it`, error);
    }
  }

  #engineError(what: string, error: unknown): RunyardError {
    const where = isDockerUnreachable(error)
      ? `cannot reach the Docker engine at ${this.#dockerHost}`
      : `the Docker engine at ${this.#dockerHost} said`;
    return new RunyardError(`${what}: ${where}: ${dockerMessage(error)}`, { cause: error });
  }

  #client(): Promise<DockerApi> {
    const source = this.#dockerSource;
    this.#docker ??= Promise.resolve(
      typeof source === 'function' ? source() : (source ?? loadDockerode(this.#config.dockerHost)),
    );
    return this.#docker;
  }

  #sweepSoon(docker: DockerApi): void {
    if (this.#home !== undefined) void this.#sweeper?.maybeSweep(docker, this.#home);
  }
}

function containerLabel(ref: DockerWorkerRef): string {
  return `${ref.containerName} (${ref.externalId.slice(0, 12)})`;
}

async function inspectOrMissing(container: DockerContainerHandle): Promise<DockerContainerInspect | undefined> {
  try {
    return await container.inspect();
  } catch (error) {
    if (dockerStatusCode(error) === 404) return undefined;
    throw error;
  }
}

/** Sends a signal; false when the container is no longer running (the engine answers 404 or 409). */
async function signal(container: DockerContainerHandle, name: 'SIGTERM' | 'SIGKILL'): Promise<boolean> {
  try {
    await container.kill({ signal: name });
    return true;
  } catch (error) {
    const status = dockerStatusCode(error);
    if (status === 404 || status === 409) return false;
    throw error;
  }
}

async function waitForExit(container: DockerContainerHandle, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const info = await inspectOrMissing(container);
    if (!info?.State.Running) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function isMissingImage(error: unknown): boolean {
  return dockerStatusCode(error) === 404 && /no such image/i.test(dockerMessage(error));
}

/** dockerode's messages start with "(HTTP code 404) no such container - "; the engine's own words follow. */
function dockerMessage(error: unknown): string {
  const json = (error as { json?: { message?: unknown } } | null)?.json;
  if (typeof json?.message === 'string') return json.message.trim();
  return error instanceof Error ? error.message.trim() : String(error);
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 1000 ? 1 : 0)} s`;
}
