import type { RunRecord } from '../runs/run-record.js';

/**
 * Run tag: which launch of a STARTING run is the current one. Absent for the first launch; run
 * monitoring sets it to 2, 3 … each time it launches again a run whose launch was interrupted.
 */
export const LAUNCH_ATTEMPT_TAG = 'runyard/launch_attempt';

/**
 * The worker's environment variable that says which launch of the run started it. A worker whose
 * launch has been superseded refuses the run, so that of two workers started for one run (the
 * interrupted launch may have started one after all), only the one the run records can claim it.
 */
export const LAUNCH_ATTEMPT_ENV = 'RUNYARD_LAUNCH_ATTEMPT';

/** Launches of a run, the first included, before run monitoring gives up on launching it. */
export const MAX_LAUNCH_ATTEMPTS = 5;

/** The run's current launch attempt: 1 unless run monitoring has launched it again. */
export function launchAttemptOf(tags: Readonly<Record<string, string>>): number {
  const value = Number(tags[LAUNCH_ATTEMPT_TAG]);
  return Number.isSafeInteger(value) && value > 1 ? value : 1;
}

/** The launch attempt a worker was started for, from its environment (1 when not given). */
export function workerLaunchAttempt(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env[LAUNCH_ATTEMPT_ENV]);
  return Number.isSafeInteger(value) && value > 1 ? value : 1;
}

/** Why a worker started for `attempt` may not claim `run`, or undefined when it may. */
export function supersededLaunch(run: RunRecord, attempt: number): string | undefined {
  const current = launchAttemptOf(run.tags);
  if (current === attempt) return undefined;
  return `it was started by launch attempt ${attempt}, and the run's launch is now attempt ${current}`;
}
