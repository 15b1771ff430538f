import type { Storage } from '../storage/storage.js';
import { stderrNote } from '../util/stderr-note.js';

/**
 * The worker's environment variable that says what a SIGTERM from outside Runyard means.
 *
 * - `cancel` (the default, for processes and containers on a machine of one's own): somebody
 *   stopped the worker on purpose, so the run is cancelled and says why (signal-cancel.ts).
 * - `release` (set by the Kubernetes and ECS launchers): the platform is taking the compute back
 *   (an eviction, a preemption, a Spot interruption, a node drain). That is nobody's decision to
 *   cancel the run: the worker records what happened, stops, and leaves the run STARTED, so run
 *   monitoring sees the platform's diagnosis (`preempted`) and resumes it on new compute.
 *
 * A SIGTERM that Runyard itself sent (`run terminate`, monitoring) finds the run CANCELING and is
 * a cancel in either mode.
 */
export const OUTSIDE_SIGTERM_ENV = 'RUNYARD_OUTSIDE_SIGTERM';

/** The exit code of a worker that released its run: 128 + SIGTERM, as a shell reports it. */
export const RELEASED_EXIT_CODE = 143;

export function releasesOnOutsideSignal(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[OUTSIDE_SIGTERM_ENV] === 'release';
}

/**
 * When the run is still STARTED (nobody asked Runyard to stop it), records that the platform took
 * the worker's compute away and returns true: the caller then exits without ending the run.
 * Returns false for a cancel Runyard asked for. Never throws.
 */
export async function releaseRunOnOutsideSignal(
  storage: Storage,
  runId: string,
  signal: NodeJS.Signals,
  pid: number = process.pid,
): Promise<boolean> {
  try {
    const run = await storage.runs.getRun(runId);
    if (run?.status !== 'STARTED') return false;
    await storage.events.appendEvents([
      {
        runId,
        type: 'ENGINE_EVENT',
        level: 'warning',
        message: `the run worker (pid ${pid}) received ${signal} from outside Runyard, as the platform does when it takes the compute back (eviction, preemption, a Spot interruption, a node drain); it stops here and leaves the run to run monitoring, which resumes or fails it`,
        data: { signal, pid, released: true },
      },
    ]);
  } catch (error) {
    // Storage is out of reach: still leave the run alone; monitoring judges it by the platform.
    stderrNote(`runyard worker: could not record the release of the run: ${(error as Error).message}`);
  }
  return true;
}
