import type { ComputeLogManager } from '../compute-logs/compute-log-manager.js';
import type { ConfigIssue } from '../errors.js';
import type { RunRecord, WorkerRef } from '../runs/run-record.js';

/** What a launcher can do beyond launching and terminating; the daemon only asks for what is declared. */
export interface LauncherCapabilities {
  /** `checkRunWorkerHealth` tells whether the worker is alive, and how it ended. */
  readonly healthCheck: boolean;
  /** `resumeRun` starts a new worker for a run whose worker died; succeeded steps are not run again. */
  readonly resume: boolean;
  /** `debugInfo` explains a stuck or dead worker (exit code, OOM, last log lines). */
  readonly debugInfo: boolean;
}

/** How to start a run worker: the command every launcher runs, wherever it runs it. */
export interface WorkerCommand {
  /** Arguments after `runyard`, e.g. `['worker', 'execute-run', <runId>]`. */
  readonly args: readonly string[];
  /**
   * Environment the worker needs: `RUNYARD_INSTANCE` holds the serialized instance config, so the
   * worker rebuilds the same instance (storage, launcher) wherever it runs.
   */
  readonly env: Readonly<Record<string, string>>;
  /**
   * The executable and leading arguments that run `runyard` on this machine (Node and Runyard's
   * CLI script). Launchers that start workers elsewhere (an image, a pod) use their own `runyard`.
   */
  readonly localCommand: readonly string[];
}

/**
 * What `RunLauncher.launchRun` gets: the STARTING run, the command that starts its worker, the
 * instance's home, the compute logs, and `recordWorker(ref)` to call before waiting on anything.
 */
export interface LaunchRunContext {
  /** The run, already STARTING. */
  readonly run: RunRecord;
  readonly worker: WorkerCommand;
  /** The instance's home directory (IO manager files live under it by default). */
  readonly home: string;
  /** Where a worker on this machine should write its stdout and stderr. */
  readonly computeLogs: ComputeLogManager;
  /**
   * Records where the worker is as soon as the launcher knows, before waiting on anything else,
   * so that if this process dies mid-launch another one can still find and stop the worker.
   */
  recordWorker(ref: WorkerRef): Promise<void>;
  /**
   * The worker of an earlier launch of this run that failed to start for a passing reason, which
   * run monitoring relaunched the run to replace (launch/relaunch-run.ts). A launcher with its own
   * start-retry budget continues counting from it rather than starting the budget afresh.
   */
  readonly previousWorker?: WorkerRef;
}

/** What `RunLauncher.resumeRun` gets: as for a launch, for a STARTED run whose worker is gone. */
export interface ResumeRunContext extends LaunchRunContext {
  /** 1 for the first resume. */
  readonly resumeAttempt: number;
}

/**
 * What `RunLauncher.terminate` gets: the run, and the grace period before SIGKILL.
 */
export interface TerminateContext {
  /** The run, with `worker` as recorded at launch. */
  readonly run: RunRecord;
  /** How long the worker may take to stop after the polite signal before it is killed. */
  readonly graceMs: number;
}

/**
 * What `RunLauncher.terminate` did: whether the worker stopped, whether it had to be killed, and a
 * line of detail.
 */
export interface TerminateResult {
  /** False when there was nothing to stop (no worker recorded, or it had already exited). */
  readonly stopped: boolean;
  /** True when the worker ignored the polite signal and had to be killed. */
  readonly escalated: boolean;
  /** One line for people: what was done. */
  readonly detail: string;
}

/**
 * What `RunLauncher.checkRunTags` gets: the tags of a run about to be submitted (and its job), to
 * refuse bad per-run overrides before the run exists.
 */
export interface CheckRunTagsContext {
  readonly jobName: string;
  /** The run's tags after the job's tags are merged in. */
  readonly tags: Readonly<Record<string, string>>;
}

/** What a launcher knows of a run's worker. */
export type WorkerHealthStatus = 'RUNNING' | 'NOT_FOUND' | 'FAILED' | 'SUCCESS' | 'UNKNOWN';

/**
 * A launcher's answer about a run's worker: its status, why, the failure class, and whether trying
 * again may help.
 */
export interface WorkerHealth {
  readonly status: WorkerHealthStatus;
  /** Why, for people: "exited with code 1", "killed by SIGKILL", "container OOMKilled". */
  readonly reason?: string;
  /** The answer may change by itself soon (an API timeout, a pod still scheduling). */
  readonly transient?: boolean;
  readonly exitCode?: number;
  readonly signal?: string;
  /**
   * What kind of failure a FAILED answer is, when the launcher can tell: the user's code (`user`),
   * the memory limit (`oom`), a disruption such as preemption or eviction (`preempted`), an image
   * that cannot be pulled (`image`), a worker that can never be scheduled (`unschedulable`), a
   * cluster out of room for now (`capacity`), or the platform itself (`infra`).
   */
  readonly failureClass?: WorkerFailureClass;
  /** Whether starting the worker again may succeed (a preempted pod: yes; a missing image: no). */
  readonly retryable?: boolean;
}

/**
 * Why a worker failed, as every launcher says it: the user's code, out of memory, preempted, image,
 * unschedulable, capacity or infrastructure.
 */
export type WorkerFailureClass = 'user' | 'oom' | 'preempted' | 'image' | 'unschedulable' | 'capacity' | 'infra';

/**
 * Turns "run R is STARTING" into a running run worker somewhere, and can stop it, check it and
 * (optionally) resume it. Implementations extend BaseRunLauncher, which supplies defaults for the
 * optional parts; the instance wraps every launcher in a ManagedRunLauncher that owns the
 * invariants (a launch that throws fails the run; dispose is idempotent).
 */
export interface RunLauncher {
  readonly capabilities: LauncherCapabilities;
  /** Starts the worker and returns where it is. Runs only for a run that is STARTING. */
  launchRun(ctx: LaunchRunContext): Promise<WorkerRef>;
  /** Stops the run's worker: a polite signal, the grace period, then a kill. Idempotent. */
  terminate(ctx: TerminateContext): Promise<TerminateResult>;
  checkRunWorkerHealth?(run: RunRecord): Promise<WorkerHealth>;
  resumeRun?(ctx: ResumeRunContext): Promise<WorkerRef>;
  debugInfo?(run: RunRecord): Promise<string | undefined>;
  /**
   * The output of the run's worker where the launcher keeps it (a pod's log, a container's logs),
   * or undefined when it no longer exists there. For `run logs --stdout/--stderr` and the UI while
   * the worker exists, and for the evidence kept before it is deleted (launcher/worker-evidence.ts).
   */
  readWorkerOutput?(run: RunRecord, stream: 'stdout' | 'stderr'): Promise<string | undefined>;
  /**
   * Checks a run's per-run overrides (e.g. the `runyard/docker` tag) before the run is created,
   * so an override the instance does not allow is refused at submit time and nothing is written.
   * Returns every problem, each with the tag as its path; empty when the run is acceptable.
   */
  checkRunTags?(ctx: CheckRunTagsContext): readonly ConfigIssue[] | Promise<readonly ConfigIssue[]>;
  /** The `{ class, module?, config }` that rebuilds this launcher in another process. */
  toConfig?(): { readonly module?: string; readonly class: string; readonly config?: Record<string, unknown> };
  dispose(): Promise<void>;
}
