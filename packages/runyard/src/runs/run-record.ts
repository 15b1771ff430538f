import type { RunStatus } from './run-status.js';

/** Where the run's job comes from, enough for another process to load it again. */
export interface RunOrigin {
  /** An absolute path to a code location file, or a package name. */
  readonly codeLocation: string;
  /** Who asked for the run. */
  readonly source: 'cli' | 'api' | 'ui' | 'schedule' | 'retry' | string;
}

/**
 * Where a launched run's worker is, written by the run launcher before `launchRun` returns so that
 * any process (the CLI, the daemon, the UI) can find and stop it later.
 */
export interface WorkerRef {
  /** The launcher class that created the worker. */
  readonly launcher: string;
  readonly host?: string;
  readonly pid?: number;
  /** Process group id, for launchers that start a group. */
  readonly pgid?: number;
  /** Container id, Job name, task ARN … */
  readonly externalId?: string;
  readonly [key: string]: unknown;
}

/**
 * A run as storage keeps it: id, job, config, tags, origin, status (and why), timestamps, the launcher
 * and where its worker is.
 */
export interface RunRecord {
  readonly runId: string;
  readonly jobName: string;
  readonly status: RunStatus;
  readonly runConfig: Record<string, unknown>;
  readonly tags: Readonly<Record<string, string>>;
  readonly origin: RunOrigin;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly parentRunId?: string;
  readonly rootRunId?: string;
  readonly worker?: WorkerRef;
  /** Why the run is where it is: why a queued run waits, why a run failed or was cancelled. */
  readonly statusReason?: string;
  /** Last heartbeat of the run worker (ms since epoch). */
  readonly workerHeartbeatAt?: number;
}

/** A run to create: job name, run config, tags and origin; an id is made when not given. */
export interface NewRun {
  readonly runId?: string;
  readonly jobName: string;
  readonly runConfig?: Record<string, unknown>;
  readonly tags?: Readonly<Record<string, string>>;
  readonly origin: RunOrigin;
  readonly parentRunId?: string;
  readonly rootRunId?: string;
}

/** The fields of a run that change without a status change. */
export interface RunPatch {
  readonly worker?: WorkerRef | null;
  readonly statusReason?: string | null;
  readonly workerHeartbeatAt?: number;
  /** Tags to add or overwrite. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Which runs to list or count: by status, job, tags, parent and creation time. */
export interface RunFilter {
  readonly runIds?: readonly string[];
  /** Runs whose id starts with this (people paste the first few characters of an id). */
  readonly runIdPrefix?: string;
  readonly statuses?: readonly RunStatus[];
  readonly jobName?: string;
  /** Every tag listed must match exactly. */
  readonly tags?: Readonly<Record<string, string>>;
  readonly createdBefore?: number;
  readonly createdAfter?: number;
}

/** A run filter, plus how many runs and from which cursor (newest first). */
export interface RunListOptions extends RunFilter {
  /** Newest first. */
  readonly limit?: number;
  /** Return runs created before this run (cursor pagination, newest first). A cursor that names no run fails with RunNotFoundError. */
  readonly cursor?: string;
}
