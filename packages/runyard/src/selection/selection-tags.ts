import type { RunRecord } from '../runs/run-record.js';
import type { ResolvedSelection } from './resolve-selection.js';

/** Run tag: the step selection as the user wrote it (`+report`, `load*,clean`). Shown by `run show`. */
export const STEP_SELECTION_TAG = 'runyard/step_selection';
/**
 * Run tag: the steps (static node names) the selection resolved to at submit, comma-separated. The
 * worker runs these, so a run does what was validated even if the code location changed since.
 */
export const SELECTED_STEPS_TAG = 'runyard/selected_steps';

export function selectionTags(selection: ResolvedSelection): Record<string, string> {
  return { [STEP_SELECTION_TAG]: selection.expression, [SELECTED_STEPS_TAG]: selection.steps.join(',') };
}

/** The static node names a run was limited to, or undefined when it runs every step. */
export function selectedStepsOf(run: Pick<RunRecord, 'tags'>): ReadonlySet<string> | undefined {
  const value = run.tags[SELECTED_STEPS_TAG];
  if (value === undefined) return undefined;
  return new Set(value.split(',').filter((step) => step !== ''));
}
