import { supersededLaunch, workerLaunchAttempt } from '../launch/launch-attempt.js';
import { runWorkerLeaseName } from '../runs/run-worker-lease.js';
import type { Storage } from '../storage/storage.js';

export type WorkerLeaseClaim = { readonly acquired: true } | { readonly acquired: false; readonly why: string };

// Another holder of the lease may be about to let it go: a worker of a superseded launch that is
// refusing, or a daemon relaunching the run (both hold it for milliseconds). Wait that long, no more.
const CONTENDED_WAIT_MS = 3_000;
const RETRY_MS = 50;

/**
 * Takes the run's worker lease, the gate every worker passes before it claims a run. For a first
 * claim (STARTING → STARTED, not a resume) the run is read again while the lease is held, and a
 * worker whose launch attempt has been superseded (run monitoring launched the run again after
 * its launcher died) lets the lease go and refuses: the run records the new attempt's worker, and
 * only that one may run it. The status compare-and-swap in RUN_START stays the last word.
 */
export async function takeWorkerLease(
  storage: Storage,
  runId: string,
  me: string,
  ttlMs: number,
  resume: boolean | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<WorkerLeaseClaim> {
  const name = runWorkerLeaseName(runId);
  const deadline = Date.now() + (resume ? 0 : CONTENDED_WAIT_MS);
  let lease = await storage.daemon.acquireLease(name, me, ttlMs);
  while (!lease.acquired && Date.now() < deadline) {
    const run = await storage.runs.getRun(runId);
    if (run?.status !== 'STARTING') break;
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    lease = await storage.daemon.acquireLease(name, me, ttlMs);
  }
  if (!lease.acquired) return { acquired: false, why: `worker ${lease.lease.holder} holds the run` };
  if (resume) return { acquired: true };
  const run = await storage.runs.getRun(runId);
  const superseded = run ? supersededLaunch(run, workerLaunchAttempt(env)) : undefined;
  if (superseded === undefined) return { acquired: true };
  await storage.daemon.releaseLease(name, me);
  return { acquired: false, why: superseded };
}
