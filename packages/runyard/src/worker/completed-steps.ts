import type { IOManager } from '../engine/io-manager.js';
import type { RunEvent } from '../events/run-event.js';
import { STEP_END_DATA_KEY } from '../events/step-stats.js';
import { reusesParentOutputs } from '../retries/retry-tags.js';
import type { RunRecord } from '../runs/run-record.js';
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
 * - a resumed worker (`resume`) adds what this run completed before its worker died.
 * Only outputs that can still be loaded count; a step whose output is gone runs again.
 */
export async function completedStepsForRun(
  storage: Storage,
  run: RunRecord,
  io: IOManager,
  options: { readonly resume?: boolean } = {},
): Promise<Map<string, string>> {
  // The runs whose outputs this one may reuse, nearest first. Parents are older than their
  // retries, so the chain ends; `seen` guards against a hand-made loop all the same.
  const ancestors: RunRecord[] = [];
  const seen = new Set([run.runId]);
  for (let current = run; reusesParentOutputs(current); ) {
    const parentId = current.parentRunId as string;
    if (seen.has(parentId)) break;
    const parent = await storage.runs.getRun(parentId);
    if (!parent) break;
    ancestors.push(parent);
    seen.add(parentId);
    current = parent;
  }
  const sources = [...ancestors.reverse(), ...(options.resume ? [run] : [])];
  const completed = new Map<string, string>();
  // Oldest first: a step that a later run ran again is read from the later run.
  for (const source of sources) {
    const events = await storage.events.getEvents(source.runId, { types: ['STEP_SUCCESS', 'STEP_FAILURE'] });
    for (const [step, holder] of await completedStepsFromEvents(source.runId, events, io)) completed.set(step, holder);
  }
  return completed;
}
