import type { RunRecord } from '../runs/run-record.js';
import type { RunStorage } from '../storage/run-storage.js';

/**
 * What `RunCoordinator.submitRun` gets: the NOT_STARTED run, the run storage, and `launchRun` to
 * launch it now.
 */
export interface SubmitRunContext {
  /** The run, just created in NOT_STARTED. */
  readonly run: RunRecord;
  /** The instance's runs, for a coordinator that moves the run itself (RUN_ENQUEUED: NOT_STARTED → QUEUED). */
  readonly runs: RunStorage;
  /** Hands the run to the launcher now (NOT_STARTED|QUEUED → STARTING → worker). */
  launchRun(runId: string): Promise<RunRecord>;
}

/**
 * Decides when a submitted run is launched: at once (ImmediateRunCoordinator) or when a queue
 * with concurrency limits lets it through (QueuedRunCoordinator, driven by the daemon).
 */
export interface RunCoordinator {
  submitRun(ctx: SubmitRunContext): Promise<RunRecord>;
  toConfig?(): { readonly module?: string; readonly class: string; readonly config?: Record<string, unknown> };
  dispose?(): Promise<void>;
}
