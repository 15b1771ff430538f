import { formatErrorChain, toErrorInfo } from '../events/error-info.js';
import type { ManagedRunLauncher } from '../launcher/managed-run-launcher.js';
import type { RunRecord, WorkerRef } from '../runs/run-record.js';
import { runWorkerLeaseName } from '../runs/run-worker-lease.js';
import type { Storage } from '../storage/storage.js';
import { RELAUNCH_RULE } from './current-launch.js';
import { LAUNCH_ATTEMPT_TAG, launchAttemptOf, MAX_LAUNCH_ATTEMPTS } from './launch-attempt.js';
import { type LaunchedBy, thisLauncher } from './launcher-identity.js';

export interface RelaunchContext {
  readonly storage: Storage;
  readonly launcher: ManagedRunLauncher;
  /** The daemon that relaunches: it holds the daemon lease, and the per-attempt claim. */
  readonly daemonId: string;
  log(message: string): void;
}

export type RelaunchOutcome =
  /** A new launch attempt was made (the launcher may still have failed it: then the run is FAILURE). */
  | 'relaunched'
  /** No attempts were left: the run is FAILURE. */
  | 'failed'
  /** Someone else is on it (another daemon, or a worker claiming the run right now): nothing done. */
  | 'skipped';

// The claim on one relaunch attempt is released once the tag has moved on; the TTL only frees it
// when its daemon died while holding it.
const RELAUNCH_CLAIM_TTL_MS = 30_000;
// Held only while the attempt tag changes, so a dead relauncher blocks the run for seconds at most.
const FENCE_TTL_MS = 10_000;
const FENCE_HOLDER_PREFIX = 'relaunch:';

/** The claim on launch attempt `attempt` of a run: a lease, so two daemons never make the same attempt. */
export function relaunchClaimName(runId: string, attempt: number): string {
  return `run-relaunch:${runId}:${attempt}`;
}

/**
 * The worker a relaunch replaces: one recorded on the run that failed to start for a passing reason
 * (check-failed-start.ts). Undefined for an interrupted launch, which recorded none.
 */
export interface FailedStart {
  readonly worker: WorkerRef;
  /** The launcher's reason, for the relaunch's event. */
  readonly reason: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * Launches again a STARTING run whose launch was interrupted (`why`: its launcher is gone, and no
 * worker was recorded). The interrupted launch may have started a worker after all, one the run
 * does not know of, so the new attempt is fenced before it is made:
 *
 * 1. the daemon claims the attempt number (a lease per attempt: two daemons never both relaunch);
 * 2. it takes the run's worker lease, which a worker must hold to claim the run: if a worker holds
 *    it, that worker is claiming the run right now, and the relaunch is called off;
 * 3. holding it, it bumps the `runyard/launch_attempt` tag; a worker of the old attempt that comes
 *    later finds its attempt superseded and refuses (worker/launch-fence.ts);
 * 4. it records an engine event naming itself as the new launcher, lets the lease go, and has the
 *    launcher start a worker for the new attempt.
 *
 * With `failed`, the run's recorded worker failed to start and its launcher is gone: the same fence
 * also takes that worker off the run (so it is never taken for the new attempt's), its evidence is
 * kept and it is stopped (the launcher's terminate), and the launcher is told which worker the new
 * one replaces (LaunchRunContext.previousWorker), so that a start-retry budget of its own goes on.
 *
 * After MAX_LAUNCH_ATTEMPTS launches the run fails instead, saying why.
 */
export async function relaunchInterruptedRun(
  ctx: RelaunchContext,
  run: RunRecord,
  interrupted: LaunchedBy | undefined,
  why: string,
  failed?: FailedStart,
): Promise<RelaunchOutcome> {
  const made = launchAttemptOf(run.tags);
  if (made >= MAX_LAUNCH_ATTEMPTS) return giveUp(ctx, run, made, why, failed);
  const attempt = made + 1;
  const claimName = relaunchClaimName(run.runId, attempt);
  const claim = await ctx.storage.daemon.acquireLease(claimName, ctx.daemonId, RELAUNCH_CLAIM_TTL_MS);
  if (!claim.acquired) return 'skipped';
  let fenced: RunRecord | undefined;
  try {
    fenced = await bumpAttempt(ctx, run, made, interrupted, why, failed);
  } finally {
    // Once the tag has moved on, a daemon that read the run before sees another attempt when it
    // looks again under the fence; the claim has done its work either way.
    await ctx.storage.daemon.releaseLease(claimName, ctx.daemonId);
  }
  if (!fenced) return 'skipped';
  if (failed) await stopFailedWorker(ctx, { ...fenced, worker: failed.worker });
  // The managed launcher records the worker, or fails the run if the launcher throws.
  await ctx.launcher.launch(fenced, undefined, failed ? { previousWorker: failed.worker } : {});
  return 'relaunched';
}

/**
 * Whatever is left of a worker that failed to start (a task definition's sidecar, a pod kept
 * Pending) is stopped, after its evidence is kept; a stop that fails is said, and the new launch
 * goes on: the old worker can no longer claim the run, its launch attempt is superseded.
 */
async function stopFailedWorker(ctx: RelaunchContext, old: RunRecord): Promise<void> {
  let message: string;
  let level: 'info' | 'warning' = 'info';
  try {
    const stop = await ctx.launcher.terminate(old, { graceMs: 0 });
    message = `run monitoring stopped the worker that failed to start: ${stop.detail}`;
  } catch (error) {
    level = 'warning';
    message = `run monitoring could not stop the worker that failed to start: ${formatErrorChain(toErrorInfo(error))}`;
  }
  await ctx.storage.events.appendEvents([
    { runId: old.runId, type: 'ENGINE_EVENT', level, message, data: { monitoring: FAILED_START_STOP } },
  ]);
}

/** `data.monitoring` of the event saying what became of the worker that failed to start. */
const FAILED_START_STOP = 'failed_start_stop';

function sameWorker(a: WorkerRef | undefined, b: WorkerRef | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Under the run's worker lease: checks that the run still waits for attempt `made` with no worker,
 * moves its launch attempt on, and records the relaunch. Undefined when there is nothing to do.
 */
async function bumpAttempt(
  ctx: RelaunchContext,
  run: RunRecord,
  made: number,
  interrupted: LaunchedBy | undefined,
  why: string,
  failed: FailedStart | undefined,
): Promise<RunRecord | undefined> {
  const fenceName = runWorkerLeaseName(run.runId);
  const fenceHolder = `${FENCE_HOLDER_PREFIX}${ctx.daemonId}`;
  if (!(await takeFence(ctx.storage, fenceName, fenceHolder))) return undefined;
  try {
    const current = await ctx.storage.runs.getRun(run.runId);
    // Claimed by a worker, given a (new) worker, ended or relaunched since the daemon looked: nothing to do.
    if (current?.status !== 'STARTING' || launchAttemptOf(current.tags) !== made) return undefined;
    if (failed ? !sameWorker(current.worker, failed.worker) : current.worker) return undefined;
    const attempt = made + 1;
    // The failed worker leaves the run with the attempt it belonged to: until the new launch
    // records its own, the run has none, and no rule can take the old one's health for the new one's.
    const fenced = await ctx.storage.runs.updateRun(run.runId, {
      tags: { [LAUNCH_ATTEMPT_TAG]: String(attempt) },
      ...(failed ? { worker: null } : {}),
    });
    const message = failed
      ? `the run's worker failed to start for a passing reason (${failed.reason}) and its launcher, which would have replaced it, is gone (${why}); launching it again (attempt ${attempt} of ${MAX_LAUNCH_ATTEMPTS})`
      : `the launch of the run was interrupted (${why}) and no worker was recorded; launching it again (attempt ${attempt} of ${MAX_LAUNCH_ATTEMPTS})`;
    await ctx.storage.events.appendEvents([
      {
        runId: run.runId,
        type: 'ENGINE_EVENT',
        level: 'warning',
        message,
        data: {
          monitoring: RELAUNCH_RULE,
          launchAttempt: attempt,
          maxLaunchAttempts: MAX_LAUNCH_ATTEMPTS,
          launchedBy: thisLauncher(ctx.daemonId),
          ...(interrupted ? { interrupted } : {}),
          ...(failed ? { ...failed.data, replacedWorker: failed.worker } : {}),
        },
      },
    ]);
    ctx.log(`run ${run.runId}: ${message}`);
    return fenced;
  } finally {
    await ctx.storage.daemon.releaseLease(fenceName, fenceHolder);
  }
}

/**
 * The run's worker lease, for this relauncher. A lease left by a relauncher that died (a daemon
 * killed in the few milliseconds it holds it) is taken over at once: the per-attempt claim already
 * makes this daemon the only one relaunching, and that relauncher's attempt is superseded anyway.
 */
async function takeFence(storage: Storage, name: string, holder: string): Promise<boolean> {
  const first = await storage.daemon.acquireLease(name, holder, FENCE_TTL_MS);
  if (first.acquired) return true;
  if (!first.lease.holder.startsWith(FENCE_HOLDER_PREFIX)) return false; // a worker: it is claiming the run
  await storage.daemon.releaseLease(name, first.lease.holder);
  return (await storage.daemon.acquireLease(name, holder, FENCE_TTL_MS)).acquired;
}

async function giveUp(
  ctx: RelaunchContext,
  run: RunRecord,
  made: number,
  why: string,
  failed: FailedStart | undefined,
): Promise<RelaunchOutcome> {
  const reason = failed
    ? `no worker of the run started in ${made} launch attempts (last: ${failed.reason}; ${why}); giving up after ${MAX_LAUNCH_ATTEMPTS} launch attempts`
    : `the launch of the run was interrupted ${made} time${made === 1 ? '' : 's'} before a worker was recorded (last: ${why}); giving up after ${MAX_LAUNCH_ATTEMPTS} launch attempts`;
  const result = await ctx.storage.runs.transition(
    {
      runId: run.runId,
      type: 'RUN_FAILURE',
      level: 'error',
      message: reason,
      data: { monitoring: RELAUNCH_RULE, launchAttempts: made },
    },
    { from: ['STARTING'], statusReason: reason },
  );
  if (!result.applied) return 'skipped';
  ctx.log(`run ${run.runId} FAILURE: ${reason}`);
  if (failed) await stopFailedWorker(ctx, { ...run, worker: failed.worker });
  return 'failed';
}
