import type { IOManager } from '../engine/io-manager.js';
import type { RunEvent } from '../events/run-event.js';
import { STEP_END_DATA_KEY } from '../events/step-stats.js';
import { REEXECUTION_TAG, reusesParentOutputs } from '../retries/retry-tags.js';
import type { RunRecord } from '../runs/run-record.js';
import { selectedStepsOf } from '../selection/selection-tags.js';
import { stepNodeName } from '../selection/step-node.js';
import type { Storage } from '../storage/storage.js';

/**
 * Steps of a run that succeeded (static or mapped: `load[a.csv]`) and whose output can still be loaded: a resumed worker (or a
 * retry from failure) does not run them again. Maps step key → the run that holds the output.
 */
export async function completedStepsFromEvents(
  runId: string,
  events: readonly RunEvent[],
  io: IOManager,
): Promise<Map<string, string>> {
  // A STEP_FAILURE after the success undoes it: its list could not be mapped (see map-items.ts),
  // so it runs again. A STEP_FAILURE written when the run ended (stepEnd) only closes open steps.
  const succeeded = new Set<string>();
  for (const event of events) {
    if (!event.stepKey) continue;
    if (event.type === 'STEP_SUCCESS') succeeded.add(event.stepKey);
    else if (event.type === 'STEP_FAILURE' && !event.data?.[STEP_END_DATA_KEY]) succeeded.delete(event.stepKey);
  }
  const completed = new Map<string, string>();
  for (const stepKey of succeeded) if (await io.hasOutput({ runId, stepKey })) completed.set(stepKey, runId);
  return completed;
}

/**
 * The steps a run's worker need not run, each mapped to the run that holds its output:
 * - a retry from failure (`runyard/reexecution: from-failure`) inherits what its parent
 *   completed, and through a parent that was itself such a retry, what that one reused, and so on;
 * - a run limited to a selection of steps (`runyard/selected_steps`) with a parent inherits what
 *   the parent had for the steps outside the selection (see selection/);
 * - a resumed worker (`resume`) adds what this run completed before its worker died.
 * Only outputs that can still be loaded count; a step whose output is gone runs again.
 */
export async function completedStepsForRun(
  storage: Storage,
  run: RunRecord,
  io: IOManager,
  options: { readonly resume?: boolean } = {},
): Promise<Map<string, string>> {
  return outputsOf(storage, run, io, Boolean(options.resume), new Set([run.runId]));
}

/**
 * Every output a run can offer to a later run: what it inherited from its parent (by the rules
 * above) and, when `own`, what it made itself (which wins: it is newer). Parents are older than
 * their children, so the chain ends; `seen` guards against a hand-made loop all the same.
 */
export async function runOutputs(storage: Storage, run: RunRecord, io: IOManager): Promise<Map<string, string>> {
  return outputsOf(storage, run, io, true, new Set([run.runId]));
}

async function outputsOf(
  storage: Storage,
  run: RunRecord,
  io: IOManager,
  own: boolean,
  seen: Set<string>,
): Promise<Map<string, string>> {
  const outputs = new Map<string, string>();
  const parentId = run.parentRunId;
  if (parentId !== undefined && reusesParentOutputs(run) && !seen.has(parentId)) {
    seen.add(parentId);
    const parent = await storage.runs.getRun(parentId);
    if (parent) {
      // A retry from failure takes all the parent has; a selection only what it does not run itself.
      const selected = run.tags[REEXECUTION_TAG] === 'from-failure' ? undefined : selectedStepsOf(run);
      for (const [step, holder] of await outputsOf(storage, parent, io, true, seen))
        if (!selected?.has(stepNodeName(step))) outputs.set(step, holder);
    }
  }
  if (own) {
    // Failures too: a STEP_FAILURE after a success undoes it (completedStepsFromEvents).
    const events = await storage.events.getEvents(run.runId, { types: ['STEP_SUCCESS', 'STEP_FAILURE'] });
    for (const [step, holder] of await completedStepsFromEvents(run.runId, events, io)) outputs.set(step, holder);
  }
  return outputs;
}
