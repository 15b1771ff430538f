import { derivedRunId } from '../../launch/submit-derived-run.js';

/** On every run a schedule creates: the schedule's name. */
export const SCHEDULE_NAME_TAG = 'runyard/schedule_name';
/** On every run a schedule creates: the tick's scheduled time, ISO 8601 in UTC. */
export const TICK_AT_TAG = 'runyard/tick_at';

/**
 * The run id of a schedule's tick: the same for every process that evaluates the tick, so a second
 * daemon, or the same one after a crash, finds the run instead of creating another.
 */
export function scheduleTickRunId(scheduleName: string, tickAt: number): string {
  return derivedRunId(`schedule:${scheduleName}:${tickAt}`);
}
