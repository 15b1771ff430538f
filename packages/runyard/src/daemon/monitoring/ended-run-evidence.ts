import type { ManagedRunLauncher } from '../../launcher/managed-run-launcher.js';
import type { RunRecord } from '../../runs/run-record.js';
import type { Storage } from '../../storage/storage.js';
import { isInProcessRun } from './in-process-run.js';

/**
 * Remembers the runs in progress at each poll; a run that has left since the last poll (it
 * finished, failed or was canceled) gets its worker's output copied into its events now, while the
 * pod or container still holds it: a Kubernetes Job lives for its TTL, a Docker container for its
 * retention, and `run logs` must still answer after that (launcher/worker-evidence.ts). A daemon
 * that restarts between a run's end and its next poll misses that run: terminate and monitoring's
 * own failures keep a copy anyway.
 */
export class EndedRunEvidence {
  #previous = new Set<string>();

  async afterPoll(
    storage: Storage,
    launcherFor: (run: RunRecord) => Promise<ManagedRunLauncher>,
    inProgress: readonly RunRecord[],
    log: (message: string) => void,
  ): Promise<void> {
    const now = new Set(inProgress.map((r) => r.runId));
    const ended = [...this.#previous].filter((runId) => !now.has(runId));
    this.#previous = now;
    for (const runId of ended) {
      const run = await storage.runs.getRun(runId);
      if (!run?.worker || isInProcessRun(run) || !run.endTime) continue;
      // A launcher removed from runyard.yaml since cannot be read: monitoring has said so already.
      const launcher = await launcherFor(run).catch(() => undefined);
      if (!launcher) continue;
      const kept = await launcher.keepEvidence(run, `after the run ended (${run.status})`);
      if (kept) log(`run ${runId}: kept its worker's output`);
    }
  }
}
