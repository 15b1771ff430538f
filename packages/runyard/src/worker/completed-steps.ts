import type { IOManager } from '../engine/io-manager.js';
import type { RunEvent } from '../events/run-event.js';

/**
 * Steps of a run that succeeded and whose output can still be loaded: a resumed worker (or a
 * retry from failure) does not run them again. Maps step key → the run that holds the output.
 */
export async function completedStepsFromEvents(
  runId: string,
  events: readonly RunEvent[],
  io: IOManager,
): Promise<Map<string, string>> {
  const completed = new Map<string, string>();
  for (const event of events) {
    if (event.type === 'STEP_SUCCESS' && event.stepKey && (await io.hasOutput({ runId, stepKey: event.stepKey })))
      completed.set(event.stepKey, runId);
  }
  return completed;
}
