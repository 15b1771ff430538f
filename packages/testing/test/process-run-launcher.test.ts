import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Instance, type RunRecord } from 'runyard';
import { runLauncherConformance } from '../src/index.js';

/** Whether any process of the group the launcher started is still alive. */
function groupAlive(run: RunRecord): boolean {
  const pgid = run.worker?.pgid;
  if (typeof pgid !== 'number') return false;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

runLauncherConformance('ProcessRunLauncher', async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'runyard-process-launcher-'));
  const instance = await Instance.open({ home });
  const started: RunRecord[] = [];
  return {
    instance,
    // The worker is the node process the launcher's shell started; its pid is on RUN_START.
    async killWorker(run) {
      started.push(run);
      const events = await instance.storage.events.getEvents(run.runId, { types: ['RUN_START'] });
      const pid = events[0]?.data?.pid;
      if (typeof pid !== 'number') throw new Error(`run ${run.runId} has no RUN_START with a pid`);
      process.kill(pid, 'SIGKILL');
    },
    async workerAlive(run) {
      started.push(run);
      return groupAlive(run);
    },
    async cleanup() {
      // Belt and braces: a failing test must not leave workers behind on the machine.
      for (const run of started) if (groupAlive(run)) process.kill(-(run.worker?.pgid as number), 'SIGKILL');
      await instance.dispose();
      rmSync(home, { recursive: true, force: true });
    },
  };
});
