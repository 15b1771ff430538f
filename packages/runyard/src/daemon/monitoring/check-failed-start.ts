import { currentLaunch } from '../../launch/current-launch.js';
import { launcherGone } from '../../launch/launcher-identity.js';
import { type RelaunchContext, relaunchInterruptedRun } from '../../launch/relaunch-run.js';
import type { WorkerHealth } from '../../launcher/run-launcher.js';
import type { RunRecord } from '../../runs/run-record.js';
import { describeDiagnosis, diagnosisOf, isPlatformLoss } from './worker-diagnosis.js';

/**
 * A STARTING run whose recorded worker failed to start for a passing reason (the launcher's health:
 * FAILED, retryable, capacity or infra; an ECS task stopped for want of capacity or a network
 * interface that timed out) is launched again when the process that launched it is gone.
 *
 * Why here: a launcher replaces such a worker itself only while its launching process lives (the
 * ECS launcher's start watch); after `runyard job launch` without `--wait` has exited nobody would,
 * and the run would fail at the start timeout for a reason that had long passed. While that process
 * lives the rule keeps out of the way, so a worker is never replaced twice. The relaunch is
 * launch/relaunch-run.ts's: fenced by the launch attempt tag, bounded by MAX_LAUNCH_ATTEMPTS, and
 * it takes the failed worker off the run. A launcher with a start-retry budget of its own answers
 * `retryable: false` once it is spent, and this rule then leaves the run to `cannot_start`.
 *
 * True when monitoring acted on the run (relaunched it, or failed it with no attempts left).
 */
export async function checkFailedStart(
  ctx: RelaunchContext,
  run: RunRecord,
  health: WorkerHealth | undefined,
): Promise<boolean> {
  if (run.status !== 'STARTING' || !run.worker) return false;
  const diagnosis = diagnosisOf(health);
  // Capacity or infra, retryable: what a start watch replaces. A worker preempted before it claimed
  // its run is not one (no start watch replaces it either): the start timeout decides, whether or
  // not its launcher lives, so the outcome never depends on which process launched the run.
  if (!diagnosis || !isPlatformLoss(diagnosis) || diagnosis.failureClass === 'preempted') return false;
  const launch = await currentLaunch(ctx.storage, run.runId);
  // A run launched before launches named their launcher: nothing to test, the start timeout decides.
  if (!launch?.launchedBy) return false;
  const gone = launcherGone(launch.launchedBy, ctx.daemonId);
  if (gone === undefined) return false;
  const reason = describeDiagnosis(diagnosis, health?.reason ?? 'the launcher reports the worker FAILED');
  const outcome = await relaunchInterruptedRun(ctx, run, launch.launchedBy, gone, {
    worker: run.worker,
    reason,
    data: { failureClass: diagnosis.failureClass, retryable: diagnosis.retryable },
  });
  return outcome !== 'skipped';
}
