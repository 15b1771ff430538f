import type { CodeLocation } from '../code-location/load-code-location.js';
import { RunyardError } from '../errors.js';
import type { Instance } from '../instance/instance.js';
import { derivedRunId, submitDerivedRun } from '../launch/submit-derived-run.js';
import { checkSelectedRunInputs, newRunForJob } from '../launch/submit-run.js';
import type { RunRecord } from '../runs/run-record.js';
import { isTerminalStatus } from '../runs/run-status.js';
import {
  PARENT_RUN_ID_TAG,
  REEXECUTION_TAG,
  RETRY_NUMBER_TAG,
  type RetryStrategy,
  ROOT_RUN_ID_TAG,
  retryNumberOf,
  SELECTION_REEXECUTION,
} from './retry-tags.js';

/** Options of `retryRun()`: the strategy, whether the new run's id is derived from the parent's (so a retry is made once), where it comes from, and how to load the code location. */
export interface RetryRunOptions {
  /** `from-failure`: steps that succeeded in the parent are not run again. `all-steps`: every step runs. */
  readonly strategy: RetryStrategy;
  /**
   * Derive the retry's id from the parent and the retry number, so that a second daemon (or a
   * repeated attempt) retrying the same run finds this retry instead of making another. Without
   * it the retry gets a new random id: what someone asking by hand wants.
   */
  readonly derivedId?: boolean;
  /**
   * Re-execute only these steps (see docs/step-selection.md), reading the outputs of the others
   * from the parent. Replaces a selection the parent had; without it, a parent's selection is kept.
   */
  readonly selection?: string;
  /** Who asked: the run's origin source. Default `retry`. */
  readonly source?: string;
  /** Default: `loadCodeLocation` from the current directory. */
  readonly loadCodeLocation?: (target: string) => Promise<CodeLocation>;
}

/** What `retryRun()` returns: the new run, and whether it already existed (a retry is made once). */
export interface RetryRunResult {
  readonly run: RunRecord;
  /** False when the derived retry existed already. */
  readonly created: boolean;
}

/**
 * Tags that record what happened to one run rather than what the run is: a retry starts afresh.
 * (`runyard/resume_attempt` and `runyard/launch_attempt` count the parent's worker resumes and
 * launches; see daemon/monitoring.)
 */
const NOT_INHERITED_TAGS: readonly string[] = [
  'runyard/resume_attempt',
  'runyard/infra_resume_attempt',
  'runyard/launch_attempt',
];

/** The id the retry daemon gives the retry of `parent`. */
export function automaticRetryRunId(parent: RunRecord): string {
  return derivedRunId(`retry:${parent.runId}:${retryNumberOf(parent) + 1}`);
}

/**
 * Submits a new run of the parent's job with the parent's config and tags, linked to it
 * (`parentRunId`, `rootRunId` and the `runyard/parent_run_id`, `root_run_id`, `retry_number` and
 * `reexecution` tags). The job is loaded again from the parent's code location, so the retry
 * runs the code as it is now. A `from-failure` retry's worker reuses the outputs of the steps that
 * succeeded in the parent (see worker/completed-steps.ts).
 *
 *   const { run } = await retryRun(instance, failedRun, { strategy: 'from-failure' });
 */
export async function retryRun(
  instance: Instance,
  parent: RunRecord,
  options: RetryRunOptions,
): Promise<RetryRunResult> {
  if (!isTerminalStatus(parent.status))
    throw new RunyardError(
      `run ${parent.runId} is ${parent.status}; only a run that has finished can be retried (stop it with: runyard run terminate ${parent.runId})`,
      { data: { runId: parent.runId, status: parent.status }, userError: true },
    );
  if (options.strategy === 'from-failure' && parent.status === 'SUCCESS')
    throw new RunyardError(
      `run ${parent.runId} succeeded, so there is no failure to retry from; retry it without --from-failure to run every step again`,
      { data: { runId: parent.runId }, userError: true },
    );
  const load = options.loadCodeLocation ?? defaultLoader;
  const location = await load(parent.origin.codeLocation);
  const job = location.getJob(parent.jobName);
  const rootRunId = parent.rootRunId ?? parent.runId;
  const newRun = newRunForJob({
    job,
    codeLocation: parent.origin.codeLocation,
    source: options.source ?? 'retry',
    runConfig: parent.runConfig,
    tags: {
      ...Object.fromEntries(Object.entries(parent.tags).filter(([key]) => !NOT_INHERITED_TAGS.includes(key))),
      [PARENT_RUN_ID_TAG]: parent.runId,
      [ROOT_RUN_ID_TAG]: rootRunId,
      [RETRY_NUMBER_TAG]: String(retryNumberOf(parent) + 1),
      [REEXECUTION_TAG]:
        options.selection !== undefined && options.strategy === 'all-steps' ? SELECTION_REEXECUTION : options.strategy,
    },
    parentRunId: parent.runId,
    rootRunId,
    selection: options.selection,
  });
  // Selected steps read the others' outputs from the parent: each must exist before the retry does.
  await checkSelectedRunInputs(instance, job, newRun, parent);
  if (!options.derivedId) return { run: await instance.submitRun(newRun), created: true };
  return submitDerivedRun(instance, { ...newRun, runId: automaticRetryRunId(parent) });
}

async function defaultLoader(target: string): Promise<CodeLocation> {
  const { loadCodeLocation } = await import('../code-location/load-code-location.js');
  return loadCodeLocation(target);
}
