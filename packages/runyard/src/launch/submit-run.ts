import type { RunCoordinator } from '../coordinator/run-coordinator.js';
import { codeLocationDefaultLauncher } from '../definitions/definitions.js';
import type { JobDefinition } from '../definitions/job.js';
import { validateTags } from '../definitions/job.js';
import { type RunConfig, validateRunConfig } from '../engine/run-config.js';
import type { Instance } from '../instance/instance.js';
import { checkReservedTags } from '../runs/reserved-tags.js';
import type { NewRun, RunOrigin, RunRecord } from '../runs/run-record.js';
import { resolveSelection } from '../selection/resolve-selection.js';
import { SelectionError } from '../selection/selection-error.js';
import { STEP_SELECTION_TAG, selectedStepsOf, selectionTags } from '../selection/selection-tags.js';
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
  /**
   * Run only these steps (`load*`, `+report`, …; see docs/step-selection.md). Resolved against the
   * job here, so an unmatched term is refused before any run exists; the run's tags record it.
   */
  readonly selection?: string;
}

/** Checks config and tags against the job, before any run exists: bad input creates nothing. */
export function newRunForJob(options: SubmitJobRunOptions): NewRun {
  const { runConfig } = validateRunConfig(options.job, options.runConfig ?? {});
  const selection =
    options.selection === undefined
      ? undefined
      : resolveSelection(options.job.graph, options.selection, `job '${options.job.name}': step selection`);
  // Launcher routing by precedence: code location default < job tag < run tag (launcher-routing.ts).
  const fromLocation = codeLocationDefaultLauncher(options.job);
  const tags = {
    ...(fromLocation === undefined ? {} : { 'runyard/launcher': fromLocation }),
    ...options.job.tags,
    ...validateTags(`run of job '${options.job.name}'`, options.tags ?? {}),
    ...(selection ? selectionTags(selection) : {}),
  };
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

/**
 * For a run of selected steps: refuses it (SelectionError, nothing written) when an output it
 * reads from outside the selection is not in `parent`, the run it reads them from.
 */
export async function checkSelectedRunInputs(
  instance: Instance,
  job: JobDefinition,
  newRun: NewRun,
  parent: RunRecord | undefined,
): Promise<void> {
  const selected = selectedStepsOf({ tags: newRun.tags ?? {} });
  if (!selected) return;
  const { checkSelectionInputs } = await import('../selection/selection-inputs.js');
  const { createRunIOManager } = await import('../worker/run-io-manager.js');
  const issues = await checkSelectionInputs({
    jobName: job.name,
    graph: job.graph,
    selected,
    parent,
    storage: instance.storage,
    io: await createRunIOManager(instance),
  });
  if (issues.length)
    throw new SelectionError(`job '${job.name}': step selection '${newRun.tags?.[STEP_SELECTION_TAG]}'`, issues);
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
