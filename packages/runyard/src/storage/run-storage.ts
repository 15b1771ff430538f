import type { NewRunEvent, RunEvent } from '../events/run-event.js';
import type { NewRun, RunFilter, RunListOptions, RunPatch, RunRecord } from '../runs/run-record.js';
import type { RunStatus, RunStatusEventType } from '../runs/run-status.js';

/** An event that changes a run's status, as `RunStorage.transition` takes it. */
export interface RunStatusEvent extends NewRunEvent {
  readonly type: RunStatusEventType;
}

/** Options of `RunStorage.transition`: the statuses allowed before, and run fields to set with it. */
export interface TransitionOptions {
  /** Narrow the statuses the run may move out of (never wider than the status machine allows). */
  readonly from?: readonly RunStatus[];
  /**
   * Written onto the run with the status, or cleared when null. Left out on a move to FAILURE or
   * CANCELED, storage writes one itself (runs/status-reason.ts): a CANCELING run's reason, else
   * the first failed step's STEP_FAILURE message, else the event's message.
   */
  readonly statusReason?: string | null;
}

/** Options of `RunStorage.updateRun`: the statuses the run must be in for the update to apply. */
export interface UpdateRunOptions {
  /**
   * The statuses the run may be in for the patch to apply. Default: every status but the terminal
   * ones, so that a finished run is never changed behind its status (a late heartbeat, a queue's
   * "waiting" reason landing on a run cancelled meanwhile). A caller that means to change a
   * finished run says so by naming its status.
   */
  readonly from?: readonly RunStatus[];
}

/** Whether a status compare-and-swap won, with the run as it is now. */
export type TransitionResult =
  | { readonly applied: true; readonly run: RunRecord; readonly event: RunEvent }
  /** The CAS lost: `run` is the run as it is now (undefined if it does not exist); nothing was written. */
  | { readonly applied: false; readonly run: RunRecord | undefined };

/** Runs and their tags. Every status change goes through `transition`, a compare-and-swap. */
export interface RunStorage {
  /** Creates the run in NOT_STARTED. Fails with RunAlreadyExistsError when the id is taken. */
  createRun(run: NewRun): Promise<RunRecord>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Newest first. */
  listRuns(options?: RunListOptions): Promise<RunRecord[]>;
  countRuns(filter?: RunFilter): Promise<number>;
  /**
   * Appends a run-level event and moves the run's status in one transaction, but only if the run's
   * current status is one the event may leave (see run-status.ts). Start and end times follow.
   */
  transition(event: RunStatusEvent, options?: TransitionOptions): Promise<TransitionResult>;
  /**
   * Applies `patch` if the run's status is one of `options.from` (default: not terminal), in one
   * statement, so a run that finishes meanwhile is left alone. Returns the run as it is afterwards,
   * unchanged when the guard refused; undefined when there is no such run.
   */
  updateRun(runId: string, patch: RunPatch, options?: UpdateRunOptions): Promise<RunRecord | undefined>;
  /** Deletes the run, its tags and its events. False when there was no such run. */
  deleteRun(runId: string): Promise<boolean>;
}
