import { RunNotFoundError, RunyardError } from '../errors.js';
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
export async function launchRun(storage: Storage, launcher: ManagedRunLauncher, runId: string): Promise<RunRecord> {
  const start = await storage.runs.transition(
    {
      runId,
      type: 'RUN_STARTING',
      message: `launching the run with ${launcher.name}`,
      data: { launchedBy: thisLauncher() },
    },
    { statusReason: null },
  );
  if (!start.applied) {
    if (!start.run) throw new RunNotFoundError(runId);
    throw new RunNotLaunchableError(start.run);
  }
  return launcher.launch(start.run);
}
