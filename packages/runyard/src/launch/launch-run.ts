import { RunNotFoundError, RunyardError } from '../errors.js';
import { formatErrorChain, toErrorInfo } from '../events/error-info.js';
import type { ManagedRunLauncher } from '../launcher/managed-run-launcher.js';
import type { RunRecord } from '../runs/run-record.js';
import type { Storage } from '../storage/storage.js';
import { thisLauncher } from './launcher-identity.js';

/** A run that someone else already moved on (cancelled, launched by another daemon …). */
export class RunNotLaunchableError extends RunyardError {
  constructor(readonly run: RunRecord) {
    super(`run ${run.runId} is ${run.status}; only a NOT_STARTED or QUEUED run can be launched`, {
      data: { runId: run.runId, status: run.status },
      userError: true,
    });
  }
}

/**
 * NOT_STARTED|QUEUED → STARTING (a compare-and-swap: of two daemons dequeuing one run, one wins),
 * then the launcher starts the worker. A launcher that throws leaves the run FAILURE. The event
 * names this process (and daemon) as the launcher, so that if it dies before the launcher records a
 * worker, run monitoring can tell and launch the run again (relaunch-run.ts).
 */
export async function launchRun(
  storage: Storage,
  launcherFor: ManagedRunLauncher | ((run: RunRecord) => Promise<ManagedRunLauncher>),
  runId: string,
): Promise<RunRecord> {
  const before = await storage.runs.getRun(runId);
  if (!before) throw new RunNotFoundError(runId);
  // The run recorded its launcher at submit; runyard.yaml may have changed since (a queued run).
  let launcher: ManagedRunLauncher | undefined;
  let unavailable: unknown;
  try {
    launcher = typeof launcherFor === 'function' ? await launcherFor(before) : launcherFor;
  } catch (error) {
    unavailable = error;
  }
  const start = await storage.runs.transition(
    {
      runId,
      type: 'RUN_STARTING',
      message: launcher ? `launching the run with ${launcher.name}` : 'launching the run',
      data: { launchedBy: thisLauncher() },
    },
    { statusReason: null },
  );
  if (!start.applied) {
    if (!start.run) throw new RunNotFoundError(runId);
    throw new RunNotLaunchableError(start.run);
  }
  if (!launcher) return failUnlaunchable(storage, start.run, unavailable);
  return launcher.launch(start.run);
}

/** A run whose launcher cannot be had (removed from runyard.yaml since submit) fails, saying why. */
async function failUnlaunchable(storage: Storage, run: RunRecord, error: unknown): Promise<RunRecord> {
  const info = toErrorInfo(error);
  const message = `the run could not be launched: ${formatErrorChain(info)}`;
  const result = await storage.runs.transition(
    { runId: run.runId, type: 'RUN_FAILURE', level: 'error', message, error: info },
    { from: ['STARTING'], statusReason: message },
  );
  return result.run ?? run;
}
