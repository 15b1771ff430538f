import type { Storage } from '../storage/storage.js';
import { stderrNote } from '../util/stderr-note.js';

/**
 * Records why a worker that got SIGTERM or SIGINT is cancelling its run. `run terminate` and run
 * monitoring mark the run CANCELING before they signal, so a run still STARTED here was signalled
 * from outside Runyard (a `kill`, a shutdown, an orchestrator): STARTED → CANCELING says so, and
 * the reason stays on the run when the worker records RUN_CANCELED. Never throws: the cancel goes
 * on even when storage cannot be reached.
 */
export async function recordSignalCancel(
  storage: Storage,
  runId: string,
  signal: NodeJS.Signals,
  pid: number = process.pid,
): Promise<void> {
  const reason = `the run worker (pid ${pid}) received ${signal} from outside Runyard; no termination was requested`;
  try {
    await storage.runs.transition(
      {
        runId,
        type: 'RUN_CANCELING',
        level: 'warning',
        message: `${reason}; cancelling the run`,
        data: { signal, pid },
      },
      { from: ['STARTED'], statusReason: reason },
    );
  } catch (error) {
    stderrNote(`runyard worker: could not record why the run is cancelled: ${(error as Error).message}`);
  }
}
