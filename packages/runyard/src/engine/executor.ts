import type { JobDefinition } from '../definitions/job.js';
import type { InstanceConfig } from '../instance/instance-config-types.js';
import type { Storage } from '../storage/storage.js';
import type { EmitFn } from './event-writer.js';
import type { IOManager } from './io-manager.js';

/**
 * What an executor gets to run a job's steps: the run id, the job, each step's config, where to
 * emit events, the IO manager and the cancel signal.
 */
export interface ExecutorContext {
  readonly runId: string;
  readonly job: JobDefinition;
  /**
   * The code location the job was loaded from (a file path or package name), so executors that
   * run steps in other processes can load the same job there. Absent for jobs built in memory.
   */
  readonly codeLocation?: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Each step's parsed config (see run-config.ts). */
  readonly stepConfigs: ReadonlyMap<string, unknown>;
  readonly emit: EmitFn;
  /**
   * Resolves once every event emitted so far is stored. Awaited after a step's start event and
   * before its op runs, so a worker killed by its op still shows which step it was running.
   */
  readonly flush?: () => Promise<void>;
  /** Aborted when the run is cancelled: start no new step, and tell running ones to stop. */
  readonly signal: AbortSignal;
  /** Where outputs are stored for other processes and later runs; in-memory when absent. */
  readonly io?: IOManager;
  /**
   * Steps that already succeeded in an earlier attempt of this run (resume) or in the parent run
   * (retry from failure), mapped to the run that holds their output. They are not run again.
   * Mapped steps are in it by their keys (`load[a.csv]`); a map's list comes from its source
   * step's output, loaded from the run that holds it.
   */
  readonly completedSteps?: ReadonlyMap<string, string>;
  /**
   * Static node names (see selection/step-node.ts) this run is limited to; absent: every step.
   * Steps of other nodes are outside the run's plan: not run, not reported as skipped.
   */
  readonly selectedSteps?: ReadonlySet<string>;
  /**
   * The run's storage, for executors whose steps record their events from elsewhere (queue
   * workers) and are followed by reading it back. Absent when a caller runs an executor directly.
   */
  readonly storage?: Storage;
  /** The instance's config, for executors configured by a section of it (`queue:`). */
  readonly instanceConfig?: InstanceConfig;
}

export type ExecutionStatus = 'SUCCESS' | 'FAILURE' | 'CANCELED';

/**
 * What an executor reports when the run has ended: its status, the failed and skipped steps, and the outputs.
 */
export interface ExecutionOutcome {
  readonly status: ExecutionStatus;
  readonly failedSteps: readonly string[];
  readonly skippedSteps: readonly string[];
  /** Outputs of the steps that ran in this process (empty when steps ran elsewhere). */
  readonly outputs: ReadonlyMap<string, unknown>;
}

/** Decides where and when a run's steps execute, inside the run worker (DESIGN.md section 1). */
export interface Executor {
  execute(ctx: ExecutorContext): Promise<ExecutionOutcome>;
}
