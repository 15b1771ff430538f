import { fileURLToPath } from 'node:url';
import type { ComputeLogManager } from '../compute-logs/compute-log-manager.js';
import { InvalidConfigError, RunyardError } from '../errors.js';
import { formatErrorChain, toErrorInfo } from '../events/error-info.js';
import { LAUNCH_ATTEMPT_ENV, launchAttemptOf } from '../launch/launch-attempt.js';
import type { RunRecord, WorkerRef } from '../runs/run-record.js';
import { runWorkerLeaseName } from '../runs/run-worker-lease.js';
import type { Storage } from '../storage/storage.js';
import type {
  CheckRunTagsContext,
  LauncherCapabilities,
  LaunchRunContext,
  RunLauncher,
  TerminateResult,
  WorkerCommand,
  WorkerHealth,
} from './run-launcher.js';
import { keepWorkerEvidence } from './worker-evidence.js';

/**
 * What `ManagedRunLauncher` needs besides the launcher: its name, the storage, the home, the compute
 * logs and the serialized instance for workers.
 */
export interface ManagedRunLauncherOptions {
  /** The launcher's class name, for messages (with named launchers: `launcher 'big' (DockerRunLauncher)`). */
  readonly name: string;
  /** Its name in runyard.yaml's `runLaunchers` (`default` for the single `runLauncher`). */
  readonly launcherName?: string;
  readonly storage: Storage;
  readonly home: string;
  readonly computeLogs: ComputeLogManager;
  /** The serialized instance handed to every worker. */
  readonly serializedInstance: () => string;
  /** Grace between the polite signal and the kill when the launcher does not say (10 s). */
  readonly defaultGraceMs?: number;
}

export const DEFAULT_TERMINATE_GRACE_MS = 10_000;

/** Runyard's CLI script in this installation (dist/launcher → bin). */
const RUNYARD_CLI = fileURLToPath(new URL('../../bin/runyard.js', import.meta.url));

/**
 * Wraps every launcher, built-in or custom, and owns the invariants once:
 * - the worker's location is recorded on the run as soon as the launcher knows it;
 * - a launch that throws fails the run (RUN_FAILURE with the launcher's message) and stops
 *   anything the launcher had already started;
 * - optional capabilities answer sensibly when the launcher lacks them;
 * - dispose is idempotent, and calls after it throw.
 */
export class ManagedRunLauncher {
  readonly #launcher: RunLauncher;
  readonly #options: ManagedRunLauncherOptions;
  #disposed: Promise<void> | undefined;

  constructor(launcher: RunLauncher, options: ManagedRunLauncherOptions) {
    this.#launcher = launcher;
    this.#options = options;
  }

  get name(): string {
    return this.#options.name;
  }

  /** The name runs record in their `runyard/launcher` tag. */
  get launcherName(): string {
    return this.#options.launcherName ?? 'default';
  }

  get capabilities(): LauncherCapabilities {
    return this.#launcher.capabilities;
  }

  /** The launcher itself, for tests and for plug-in specific calls. */
  get inner(): RunLauncher {
    return this.#launcher;
  }

  get graceMs(): number {
    const own = (this.#launcher as { terminateGraceMs?: unknown }).terminateGraceMs;
    return typeof own === 'number' ? own : (this.#options.defaultGraceMs ?? DEFAULT_TERMINATE_GRACE_MS);
  }

  /**
   * Starts the worker for a STARTING run. On failure the run is FAILURE and nothing is left running.
   * `previousWorker`: the worker of an earlier launch this one replaces (LaunchRunContext).
   */
  async launch(
    run: RunRecord,
    args: readonly string[] = ['worker', 'execute-run', run.runId],
    options: { readonly previousWorker?: WorkerRef } = {},
  ): Promise<RunRecord> {
    this.#assertOpen();
    const { storage } = this.#options;
    let recorded: WorkerRef | undefined;
    const ctx: LaunchRunContext = {
      run,
      worker: this.#workerCommand(args, run),
      home: this.#options.home,
      computeLogs: this.#options.computeLogs,
      ...(options.previousWorker ? { previousWorker: options.previousWorker } : {}),
      recordWorker: async (ref) => {
        recorded = ref;
        await storage.runs.updateRun(run.runId, { worker: ref });
      },
    };
    try {
      const ref = await this.#launcher.launchRun(ctx);
      if (ref !== recorded) await ctx.recordWorker(ref);
      return (await storage.runs.getRun(run.runId)) ?? run;
    } catch (error) {
      return this.#launchFailed(run, error, recorded);
    }
  }

  /**
   * Starts a new worker for a run whose worker died; the worker resumes it. Refuses while the
   * old worker still runs; once it is known dead, its lease is released so the new one need not
   * wait for the lease to expire.
   */
  async resume(run: RunRecord, resumeAttempt: number): Promise<RunRecord> {
    this.#assertOpen();
    if (!this.capabilities.resume || !this.#launcher.resumeRun)
      throw new RunyardError(`${this.name} cannot resume runs`);
    const { storage } = this.#options;
    const health = await this.checkHealth(run);
    if (health.status === 'RUNNING')
      throw new RunyardError(`run ${run.runId}'s worker is still running; it cannot be resumed`);
    if (health.status !== 'UNKNOWN') {
      const leaseName = runWorkerLeaseName(run.runId);
      const lease = await storage.daemon.getLease(leaseName);
      if (lease) await storage.daemon.releaseLease(leaseName, lease.holder);
    }
    const args = ['worker', 'execute-run', run.runId, '--resume'];
    const ref = await this.#launcher.resumeRun({
      run,
      worker: this.#workerCommand(args, run),
      home: this.#options.home,
      computeLogs: this.#options.computeLogs,
      resumeAttempt,
      recordWorker: async (r) => {
        await storage.runs.updateRun(run.runId, { worker: r });
      },
    });
    await storage.runs.updateRun(run.runId, { worker: ref });
    return (await storage.runs.getRun(run.runId)) ?? run;
  }

  async terminate(run: RunRecord, options: { graceMs?: number } = {}): Promise<TerminateResult> {
    this.#assertOpen();
    // Terminate may delete the worker (a Kubernetes Job and its pods): its output is kept first.
    await this.keepEvidence(run, 'before the worker was stopped');
    return this.#launcher.terminate({ run, graceMs: options.graceMs ?? this.graceMs });
  }

  /** Copies the worker's output and the launcher's account into the run's events (worker-evidence.ts). */
  async keepEvidence(run: RunRecord, why: string): Promise<boolean> {
    this.#assertOpen();
    return keepWorkerEvidence(this.#options.storage, this.#launcher, run, why);
  }

  /** The worker's output where the launcher keeps it; undefined when it cannot say (or it is gone). */
  async readWorkerOutput(run: RunRecord, stream: 'stdout' | 'stderr'): Promise<string | undefined> {
    this.#assertOpen();
    if (!this.#launcher.readWorkerOutput || !run.worker) return undefined;
    try {
      return await this.#launcher.readWorkerOutput(run, stream);
    } catch {
      // A pod or engine that cannot be reached now: the kept copy is the next best answer.
      return undefined;
    }
  }

  /** UNKNOWN when the launcher cannot tell, or when asking it failed (then `transient`). */
  async checkHealth(run: RunRecord): Promise<WorkerHealth> {
    this.#assertOpen();
    if (!this.capabilities.healthCheck || !this.#launcher.checkRunWorkerHealth)
      return { status: 'UNKNOWN', reason: `${this.name} cannot check worker health` };
    try {
      return await this.#launcher.checkRunWorkerHealth(run);
    } catch (error) {
      return {
        status: 'UNKNOWN',
        transient: true,
        reason: `health check failed: ${formatErrorChain(toErrorInfo(error))}`,
      };
    }
  }

  async debugInfo(run: RunRecord): Promise<string | undefined> {
    this.#assertOpen();
    if (!this.capabilities.debugInfo || !this.#launcher.debugInfo) return undefined;
    try {
      return await this.#launcher.debugInfo(run);
    } catch (error) {
      return `could not get debug info from ${this.name}: ${formatErrorChain(toErrorInfo(error))}`;
    }
  }

  /**
   * Refuses a run whose per-run overrides the launcher does not allow, before the run exists:
   * throws InvalidConfigError naming each tag and why.
   */
  async checkRunTags(ctx: CheckRunTagsContext): Promise<void> {
    this.#assertOpen();
    if (!this.#launcher.checkRunTags) return;
    const issues = await this.#launcher.checkRunTags(ctx);
    if (issues.length) throw new InvalidConfigError(`run tags for ${this.name}`, issues);
  }

  dispose(): Promise<void> {
    this.#disposed ??= this.#launcher.dispose();
    return this.#disposed;
  }

  #workerCommand(args: readonly string[], run: RunRecord): WorkerCommand {
    return {
      args,
      // Which launch of the run this worker belongs to: a superseded one refuses (worker/launch-fence.ts).
      env: {
        RUNYARD_INSTANCE: this.#options.serializedInstance(),
        [LAUNCH_ATTEMPT_ENV]: String(launchAttemptOf(run.tags)),
      },
      localCommand: [process.execPath, RUNYARD_CLI],
    };
  }

  async #launchFailed(run: RunRecord, error: unknown, recorded: WorkerRef | undefined): Promise<RunRecord> {
    const { storage } = this.#options;
    const info = toErrorInfo(error);
    const message = `${this.name} failed to launch the run: ${formatErrorChain(info)}`;
    await storage.events.appendEvents([
      { runId: run.runId, type: 'ENGINE_EVENT', level: 'error', message, error: info },
    ]);
    // Failed first, from STARTED too: a worker the launcher did start may already have claimed the
    // run, and must find it finished rather than record an end of its own.
    const result = await storage.runs.transition(
      { runId: run.runId, type: 'RUN_FAILURE', level: 'error', message, error: info, data: launchDiagnosis(error) },
      { from: ['STARTING', 'STARTED'], statusReason: message },
    );
    if (recorded) {
      // The launcher got as far as starting something: stop it, so a failed run holds no compute.
      try {
        const stop = await this.#launcher.terminate({ run: { ...run, worker: recorded }, graceMs: 0 });
        await storage.events.appendEvents([
          { runId: run.runId, type: 'ENGINE_EVENT', message: `cleaned up after the failed launch: ${stop.detail}` },
        ]);
      } catch (cleanupError) {
        const cleanup = toErrorInfo(cleanupError);
        await storage.events.appendEvents([
          {
            runId: run.runId,
            type: 'ENGINE_EVENT',
            level: 'error',
            message: `could not stop what ${this.name} had started: ${formatErrorChain(cleanup)}`,
            error: cleanup,
          },
        ]);
      }
    }
    return result.run ?? run;
  }

  #assertOpen(): void {
    if (this.#disposed) throw new RunyardError(`the run launcher ${this.name} has been disposed`);
  }
}

/**
 * A launcher that knows what kind of failure its launch error is (a missing image) says so in the
 * error's data; the RUN_FAILURE carries it as monitoring's failures do (`failureClass`, `retryable`).
 */
function launchDiagnosis(error: unknown): Record<string, unknown> | undefined {
  const data = error instanceof RunyardError ? error.data : undefined;
  if (typeof data?.failureClass !== 'string') return undefined;
  return { failureClass: data.failureClass, retryable: data.retryable === true };
}
