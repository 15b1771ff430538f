import type { RunRecord } from '../runs/run-record.js';
import type { Storage } from '../storage/storage.js';
import { stderrNote } from '../util/stderr-note.js';
import type { NewRunEvent } from './run-event.js';
import { STEP_END_DATA_KEY, STEP_STATS_EVENT_TYPES, type StepEndKind, stepStatsFromEvents } from './step-stats.js';

/**
 * Gives every step without an end a STEP_FAILURE that says how and why it ended with its run
 * (`data: { stepEnd, reason }`), so a finished run shows no running step anywhere (storage, API,
 * UI, `run show`). Called by whoever ended the run: its worker, run monitoring, terminate. Never
 * throws: the run has ended either way, and readers close open steps at the run's end by
 * themselves (step-stats.ts). Returns the steps it ended.
 */
export async function endOpenSteps(
  storage: Storage,
  runId: string,
  kind: StepEndKind,
  reason: string,
): Promise<string[]> {
  try {
    const events = await storage.events.getEvents(runId, { types: [...STEP_STATS_EVENT_TYPES] });
    // Open as the steps' own events tell it: the run's end event must not count as their end here.
    const open = stepStatsFromEvents(events.filter((e) => !e.type.startsWith('RUN_'))).filter(
      (s) => s.status === 'RUNNING' || s.status === 'UP_FOR_RETRY',
    );
    if (open.length === 0) return [];
    const verb = kind === 'failed' ? 'failed' : kind === 'cancelled' ? 'was cancelled' : 'was abandoned';
    const ended: NewRunEvent[] = open.map((s) => ({
      runId,
      type: 'STEP_FAILURE',
      stepKey: s.stepKey,
      level: kind === 'failed' ? 'error' : 'warning',
      message: `step '${s.stepKey}' ${verb} with its run: ${reason}`,
      data: { [STEP_END_DATA_KEY]: kind, reason },
    }));
    await storage.events.appendEvents(ended);
    return open.map((s) => s.stepKey);
  } catch (error) {
    stderrNote(`runyard: could not record the end of the run's open steps: ${(error as Error).message}`);
    return [];
  }
}

/** After a run's own worker (or `job execute`) ended it: its open steps end as the run did. */
export async function endStepsWithRun(storage: Storage, run: RunRecord): Promise<void> {
  if (run.status !== 'FAILURE' && run.status !== 'CANCELED') return;
  const kind = run.status === 'FAILURE' ? 'failed' : 'cancelled';
  await endOpenSteps(storage, run.runId, kind, run.statusReason ?? `the run ended ${run.status}`);
}
