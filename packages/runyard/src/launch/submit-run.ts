import type { RunCoordinator } from '../coordinator/run-coordinator.js';
import type { JobDefinition } from '../definitions/job.js';
import { validateTags } from '../definitions/job.js';
import { type RunConfig, validateRunConfig } from '../engine/run-config.js';
import { checkReservedTags } from '../runs/reserved-tags.js';
import type { NewRun, RunOrigin, RunRecord } from '../runs/run-record.js';
import type { Storage } from '../storage/storage.js';

/**
 * What `Instance.submitJobRun()` and `newRunForJob()` take: the job, its code location, where the run
 * comes from, run config and tags.
 */
export interface SubmitJobRunOptions {
  readonly job: JobDefinition;
  /** Where workers load the job from: an absolute file path or a package name. */
  readonly codeLocation: string;
  readonly source: RunOrigin['source'];
  readonly runConfig?: RunConfig;
  readonly tags?: Readonly<Record<string, string>>;
  readonly runId?: string;
  readonly parentRunId?: string;
  readonly rootRunId?: string;
}

/** Checks config and tags against the job, before any run exists: bad input creates nothing. */
export function newRunForJob(options: SubmitJobRunOptions): NewRun {
  const { runConfig } = validateRunConfig(options.job, options.runConfig ?? {});
  const tags = { ...options.job.tags, ...validateTags(`run of job '${options.job.name}'`, options.tags ?? {}) };
  checkReservedTags(tags, `a run of job '${options.job.name}'`);
  return {
    ...(options.runId ? { runId: options.runId } : {}),
    jobName: options.job.name,
    runConfig,
    tags,
    origin: { codeLocation: options.codeLocation, source: options.source },
    ...(options.parentRunId ? { parentRunId: options.parentRunId } : {}),
    ...(options.rootRunId ? { rootRunId: options.rootRunId } : {}),
  };
}

/** Creates the run (NOT_STARTED) and hands it to the coordinator, which launches or queues it. */
export async function submitRun(
  storage: Storage,
  coordinator: RunCoordinator,
  launch: (runId: string) => Promise<RunRecord>,
  newRun: NewRun,
): Promise<RunRecord> {
  const run = await storage.runs.createRun(newRun);
  return coordinator.submitRun({ run, runs: storage.runs, launchRun: launch });
}
