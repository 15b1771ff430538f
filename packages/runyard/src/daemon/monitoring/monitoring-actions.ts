import { formatErrorChain, toErrorInfo } from '../../events/error-info.js';
import type { NewRunEvent } from '../../events/run-event.js';
import { endOpenSteps } from '../../events/step-end.js';
import type { ManagedRunLauncher } from '../../launcher/managed-run-launcher.js';
import type { RunRecord } from '../../runs/run-record.js';
import type { Storage } from '../../storage/storage.js';
import { describeInProcessRun, isInProcessRun } from './in-process-run.js';
import {
  INFRA_RESUME_ATTEMPT_TAG,
  type MonitoringAction,
  RESUME_ATTEMPT_TAG,
  type WorkerDiagnosis,
} from './monitoring-action.js';

export interface ActionContext {
  readonly storage: Storage;
  readonly launcher: ManagedRunLauncher;
  /** The acting daemon, holder of the resume claims. */
  readonly daemonId: string;
  log(message: string): void;
}

type Action<K extends MonitoringAction['kind']> = Extract<MonitoringAction, { kind: K }>;

// A resume claim only has to outlive the tag update that follows it: after that, every daemon
// computes the next attempt number, whose claim is a different lease.
const RESUME_CLAIM_TTL_MS = 10 * 60_000;

/** The resume claim for one attempt of one run: a lease, so two daemons never resume the same attempt. */
export function resumeClaimName(runId: string, attempt: number): string {
  return `run-monitoring-resume:${runId}:${attempt}`;
}

/**
 * STARTING|STARTED → FAILURE (a compare-and-swap), then the launcher kills the worker. The reason
 * is in the event and in statusReason; the launcher's debug info goes with it (for a run that never
 * started it is the reason, so it goes into statusReason too).
 */
export async function failRun(ctx: ActionContext, run: RunRecord, action: Action<'fail'>): Promise<boolean> {
  const debugInfo = await describeWorker(ctx.launcher, run);
  const full = `${action.reason}; ${debugInfo}`;
  const reason = action.monitoring === 'start_timeout' ? full : action.reason;
  const result = await ctx.storage.runs.transition(
    {
      runId: run.runId,
      type: 'RUN_FAILURE',
      level: 'error',
      message: full,
      data: { monitoring: action.monitoring, debugInfo, ...diagnosisData(action.diagnosis) },
    },
    { from: [action.from], statusReason: reason },
  );
  if (!result.applied) return false;
  ctx.log(`run ${run.runId} FAILURE: ${action.reason}`);
  await endOpenSteps(ctx.storage, run.runId, 'failed', action.reason);
  await stopWorker(ctx, result.run, action.monitoring);
  return true;
}

/**
 * Claims the attempt, counts it in the run's tag, says so in an engine event, stops whatever is left
 * of the old worker (a hung process, orphaned step processes), and has the launcher start a new
 * worker, which skips the steps that succeeded. A resume that throws is reported and still counts:
 * the next poll resumes again or, with no attempts left, fails the run.
 */
export async function resumeRun(ctx: ActionContext, run: RunRecord, action: Action<'resume'>): Promise<boolean> {
  const claim = await ctx.storage.daemon.acquireLease(
    resumeClaimName(run.runId, action.attempt),
    ctx.daemonId,
    RESUME_CLAIM_TTL_MS,
  );
  if (!claim.acquired) return false;
  const tag = action.budget === 'infra' ? INFRA_RESUME_ATTEMPT_TAG : RESUME_ATTEMPT_TAG;
  await ctx.storage.runs.updateRun(run.runId, { tags: { [tag]: String(action.budgetAttempt) } });
  const budget = action.budget === 'infra' ? ' of the platform, not counted against maxResumeAttempts' : '';
  const message = `run worker died: ${action.reason}; resuming the run in a new worker (attempt ${action.budgetAttempt} of ${action.maxAttempts}${budget})`;
  await engineEvent(ctx, run.runId, message, 'warning', {
    monitoring: action.monitoring,
    resumeAttempt: action.attempt,
    resumeBudget: action.budget,
    reason: action.reason,
    ...diagnosisData(action.diagnosis),
  });
  ctx.log(`run ${run.runId}: ${message}`);
  try {
    // A worker taken for dead by its heartbeat may still be running: two workers must never run at once.
    const stop = await ctx.launcher.terminate(run, { graceMs: 0 });
    if (stop.stopped)
      await engineEvent(ctx, run.runId, `run monitoring stopped the old worker: ${stop.detail}`, 'info', {
        monitoring: action.monitoring,
      });
    await ctx.launcher.resume(run, action.attempt);
  } catch (error) {
    await failureEvent(
      ctx,
      run.runId,
      `could not resume the run (attempt ${action.attempt})`,
      error,
      action.monitoring,
    );
  }
  return true;
}

/**
 * A run stuck in CANCELING: CANCELING → CANCELED (a compare-and-swap), then the launcher kills its
 * worker, as `run terminate --force` does. Marked first: the kill sends SIGTERM an instant before
 * SIGKILL, and a worker quick enough to record its own cancel in that instant would leave the run
 * CANCELED with no reason given.
 */
export async function cancelStuckRun(ctx: ActionContext, run: RunRecord, action: Action<'cancel'>): Promise<boolean> {
  const result = await ctx.storage.runs.transition(
    {
      runId: run.runId,
      type: 'RUN_CANCELED',
      level: 'warning',
      message: `${action.reason}; its worker is being killed`,
      data: { monitoring: action.monitoring },
    },
    { from: ['CANCELING'], statusReason: action.reason },
  );
  if (!result.applied) return false;
  ctx.log(`run ${run.runId} CANCELED: ${action.reason}`);
  await endOpenSteps(ctx.storage, run.runId, 'cancelled', action.reason);
  await stopWorker(ctx, result.run, action.monitoring);
  return true;
}

/**
 * STARTED → CANCELING for a run past its max runtime, with an engine event saying why. The caller
 * then terminates it (`instance.terminateRun`), which finds it CANCELING and stops the worker.
 */
export async function beginMaxRuntimeTermination(
  ctx: ActionContext,
  run: RunRecord,
  action: Action<'terminate'>,
): Promise<boolean> {
  const result = await ctx.storage.runs.transition(
    {
      runId: run.runId,
      type: 'RUN_CANCELING',
      level: 'warning',
      message: `termination requested by run monitoring: ${action.reason}`,
    },
    { from: ['STARTED'], statusReason: action.reason },
  );
  if (!result.applied) return false;
  await engineEvent(ctx, run.runId, `${action.reason}; terminating it`, 'warning', {
    monitoring: action.monitoring,
    maxRuntimeSeconds: action.maxRuntimeSeconds,
  });
  ctx.log(`run ${run.runId}: ${action.reason}; terminating it`);
  return true;
}

/** `failureClass` and `retryable` in an event's data, so tools can tell an OOM from a bug without parsing. */
function diagnosisData(diagnosis: WorkerDiagnosis | undefined): Record<string, unknown> {
  return diagnosis ? { failureClass: diagnosis.failureClass, retryable: diagnosis.retryable } : {};
}

/** The launcher's account of the worker, for a reason: never throws. */
export async function describeWorker(launcher: ManagedRunLauncher, run: RunRecord): Promise<string> {
  if (isInProcessRun(run)) return describeInProcessRun(run);
  if (!run.worker) return `no worker was recorded for the run (${launcher.name} never said where it started one)`;
  const info = await launcher.debugInfo(run);
  return info?.trim() || `${launcher.name} gave no debug info`;
}

/** Whenever monitoring ends a run, the launcher stops whatever is left of its worker, at once. */
async function stopWorker(ctx: ActionContext, run: RunRecord, rule: string): Promise<void> {
  // A run executed in process has no worker a launcher could stop.
  if (isInProcessRun(run)) return;
  try {
    const stop = await ctx.launcher.terminate(run, { graceMs: 0 });
    await engineEvent(ctx, run.runId, `run monitoring stopped the worker: ${stop.detail}`, 'info', {
      monitoring: rule,
      stopped: stop.stopped,
    });
  } catch (error) {
    await failureEvent(ctx, run.runId, 'could not stop the worker', error, rule);
  }
}

async function engineEvent(
  ctx: ActionContext,
  runId: string,
  message: string,
  level: NonNullable<NewRunEvent['level']>,
  data: Record<string, unknown>,
): Promise<void> {
  await ctx.storage.events.appendEvents([{ runId, type: 'ENGINE_EVENT', level, message, data }]);
}

/** An engine event for something monitoring tried and could not do, with the error kept. */
async function failureEvent(
  ctx: ActionContext,
  runId: string,
  what: string,
  error: unknown,
  monitoring: string,
): Promise<void> {
  const info = toErrorInfo(error);
  await ctx.storage.events.appendEvents([
    {
      runId,
      type: 'ENGINE_EVENT',
      level: 'error',
      message: `run monitoring ${what}: ${formatErrorChain(info)}`,
      error: info,
      data: { monitoring },
    },
  ]);
}
