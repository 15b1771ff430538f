import { RunNotFoundError, RunyardError } from '../errors.js';
import { endOpenSteps } from '../events/step-end.js';
import type { ManagedRunLauncher } from '../launcher/managed-run-launcher.js';
import type { RunRecord } from '../runs/run-record.js';
import { isTerminalStatus } from '../runs/run-status.js';
import type { Storage } from '../storage/storage.js';
import { terminateOutcome } from './terminate-outcome.js';

/**
 * Options of `Instance.terminateRun()`: `force` marks the run CANCELED at once and still kills its
 * worker.
 */
export interface TerminateRunOptions {
  /** Mark CANCELED at once, then kill the worker without a grace period. */
  readonly force?: boolean;
  /** Override the launcher's grace period. */
  readonly graceMs?: number;
}

/** What `Instance.terminateRun()` did, with a message for the user. */
export interface TerminateRunResult {
  /** The run as it is afterwards. */
  readonly run: RunRecord;
  /** False when there was nothing to do (the run had already finished). */
  readonly changed: boolean;
  /** True when the worker ignored SIGTERM (or its equivalent) and was killed. */
  readonly escalated: boolean;
  /** One line for people. */
  readonly message: string;
}

const TERMINATION_REQUESTED = 'termination requested';

// Each step is a compare-and-swap; if another process moves the run in between (a dequeue, the
// worker finishing), we look again rather than act on a stale status.
const MAX_RACES = 5;

/**
 * Stops a run for sure (DESIGN.md section 2, Termination): a run that has no worker yet is
 * CANCELED at once; otherwise it is marked CANCELING, the launcher signals the worker, waits the
 * grace period and kills it; if the worker could not record RUN_CANCELED itself, we do.
 */
export async function terminateRun(
  storage: Storage,
  launcherFor: ManagedRunLauncher | ((run: RunRecord) => Promise<ManagedRunLauncher>),
  runId: string,
  options: TerminateRunOptions = {},
): Promise<TerminateRunResult> {
  for (let race = 0; race < MAX_RACES; race++) {
    const run = await storage.runs.getRun(runId);
    if (!run) throw new RunNotFoundError(runId);
    if (isTerminalStatus(run.status))
      return {
        run,
        changed: false,
        escalated: false,
        message: `run ${runId} is already ${run.status}; nothing to terminate`,
      };

    if (run.status === 'NOT_STARTED' || run.status === 'QUEUED') {
      const result = await storage.runs.transition(
        { runId, type: 'RUN_CANCELED', level: 'warning', message: 'run was cancelled before it was launched' },
        { from: ['NOT_STARTED', 'QUEUED'], statusReason: 'cancelled before it was launched' },
      );
      if (result.applied)
        return {
          run: result.run,
          changed: true,
          escalated: false,
          message: `run ${runId} cancelled before it was launched`,
        };
      continue;
    }

    // The launcher the run was launched with, and no other: a run whose launcher runyard.yaml no
    // longer names is refused before anything changes (forced, it is marked CANCELED all the same).
    let launcher: ManagedRunLauncher | undefined;
    try {
      launcher = typeof launcherFor === 'function' ? await launcherFor(run) : launcherFor;
    } catch (error) {
      if (!options.force) throw error;
      return forceCancelWithoutLauncher(storage, run, error);
    }

    if (run.status !== 'CANCELING') {
      const result = await storage.runs.transition(
        {
          runId,
          type: 'RUN_CANCELING',
          level: 'warning',
          message: `termination requested${options.force ? ' (forced)' : ''}`,
        },
        // The reason the run keeps if its worker records RUN_CANCELED itself.
        { from: ['STARTING', 'STARTED'], statusReason: `${TERMINATION_REQUESTED}${options.force ? ' (forced)' : ''}` },
      );
      if (!result.applied) continue;
    }
    return options.force
      ? forceCancel(storage, launcher, runId)
      : stopWorker(storage, launcher, runId, options.graceMs);
  }
  throw new RunyardError(`run ${runId} kept changing status while it was being terminated; try again`);
}

async function stopWorker(
  storage: Storage,
  launcher: ManagedRunLauncher,
  runId: string,
  graceMs?: number,
): Promise<TerminateRunResult> {
  const run = (await storage.runs.getRun(runId)) as RunRecord;
  const stop = await launcher.terminate(run, graceMs === undefined ? {} : { graceMs });
  // A worker that stopped on SIGTERM wrote RUN_CANCELED itself; one that was killed, or had
  // already died, could not.
  const done = await storage.runs.transition(
    {
      runId,
      type: 'RUN_CANCELED',
      level: 'warning',
      message: `run was terminated: ${stop.detail}`,
      data: { escalated: stop.escalated },
    },
    {
      from: ['CANCELING'],
      statusReason: afterWhy(run, stop.escalated ? 'terminated; the worker was killed' : 'terminated'),
    },
  );
  const after = done.applied ? done.run : ((await storage.runs.getRun(runId)) as RunRecord);
  if (after.status === 'CANCELED')
    await endOpenSteps(storage, runId, 'cancelled', `the run was terminated: ${stop.detail}`);
  // Another process may have ended the run while we waited: say what really happened.
  const outcome = await terminateOutcome(storage, after, stop, done.applied);
  return {
    run: after,
    changed: true,
    escalated: outcome.escalated,
    message: `run ${runId} ${after.status}: ${outcome.detail}`,
  };
}

async function forceCancelWithoutLauncher(
  storage: Storage,
  run: RunRecord,
  error: unknown,
): Promise<TerminateRunResult> {
  const why = error instanceof Error ? error.message : String(error);
  const marked = await storage.runs.transition(
    {
      runId: run.runId,
      type: 'RUN_CANCELED',
      level: 'warning',
      message: `run was terminated by force; its worker was NOT stopped: ${why}`,
    },
    { from: ['STARTING', 'STARTED', 'CANCELING'], statusReason: 'terminated by force; the worker was not stopped' },
  );
  const after = marked.applied ? marked.run : ((await storage.runs.getRun(run.runId)) as RunRecord);
  if (after.status === 'CANCELED')
    await endOpenSteps(storage, run.runId, 'cancelled', 'the run was terminated by force');
  return {
    run: after,
    changed: marked.applied,
    escalated: false,
    message: `run ${run.runId} ${after.status}; its worker was not stopped: ${why}`,
  };
}

async function forceCancel(storage: Storage, launcher: ManagedRunLauncher, runId: string): Promise<TerminateRunResult> {
  const before = await storage.runs.getRun(runId);
  const marked = await storage.runs.transition(
    {
      runId,
      type: 'RUN_CANCELED',
      level: 'warning',
      message: 'run was terminated by force; its worker is being killed',
    },
    { from: ['CANCELING'], statusReason: afterWhy(before, 'terminated by force') },
  );
  const run = marked.applied ? marked.run : ((await storage.runs.getRun(runId)) as RunRecord);
  // Marked first so nothing waits on a worker that may hang; killed right after so nothing runs on.
  const stop = await launcher.terminate(run, { graceMs: 0 });
  if (run.status === 'CANCELED') await endOpenSteps(storage, runId, 'cancelled', 'the run was terminated by force');
  return { run, changed: true, escalated: stop.stopped, message: `run ${runId} ${run.status}: ${stop.detail}` };
}

/**
 * How the run ended, after why it was being cancelled when someone else asked (run monitoring's
 * "exceeded its max runtime"), so the finished run says both without anyone changing it later.
 */
function afterWhy(run: RunRecord | undefined, how: string): string {
  const why = run?.statusReason;
  return why && !why.startsWith(TERMINATION_REQUESTED) ? `${why}; ${how}` : how;
}
