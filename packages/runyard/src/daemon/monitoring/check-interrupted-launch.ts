import { currentLaunch } from '../../launch/current-launch.js';
import { launcherGone } from '../../launch/launcher-identity.js';
import { type RelaunchContext, relaunchInterruptedRun } from '../../launch/relaunch-run.js';
import type { RunRecord } from '../../runs/run-record.js';

export interface InterruptedLaunchResult {
  /** True when monitoring acted on the run (relaunched or failed it); the other STARTING rules wait. */
  readonly handled: boolean;
  /** When the current launch began: the start timeout counts from a relaunch, not the first launch. */
  readonly launchedAt: number | undefined;
}

/**
 * A STARTING run with no worker recorded whose launcher is gone (a daemon killed between
 * RUN_STARTING and recording the worker, a `runyard job launch` killed mid-launch) will never get a
 * worker from that launch: it is launched again now (launch/relaunch-run.ts) rather than failed
 * at the start timeout. A run with a worker recorded is not this rule's: the start timeout and the
 * launcher's debug info deal with a worker that never claims its run.
 */
export async function checkInterruptedLaunch(ctx: RelaunchContext, run: RunRecord): Promise<InterruptedLaunchResult> {
  if (run.status !== 'STARTING') return { handled: false, launchedAt: undefined };
  const launch = await currentLaunch(ctx.storage, run.runId);
  const launchedAt = launch?.at;
  // A run launched before launches named their launcher: nothing to test, the start timeout decides.
  if (run.worker || !launch?.launchedBy) return { handled: false, launchedAt };
  const gone = launcherGone(launch.launchedBy, ctx.daemonId);
  if (gone === undefined) return { handled: false, launchedAt };
  const outcome = await relaunchInterruptedRun(ctx, run, launch.launchedBy, gone);
  return { handled: outcome !== 'skipped', launchedAt };
}
