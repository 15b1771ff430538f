import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Instance, type ProcessRunLauncher, parseInstanceConfig, type RunRecord } from 'runyard';
import { expect } from 'vitest';
import { runLauncherConformance } from '../src/index.js';

// The same suite with the process launcher's warm pool on: runs go to idle, pre-started workers
// (a fresh one only when none is idle), and must behave exactly as with a fresh worker each.

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

runLauncherConformance('ProcessRunLauncher with a warm pool', async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'runyard-warm-launcher-'));
  const instance = await Instance.open({
    home,
    config: parseInstanceConfig({
      runLauncher: { class: 'ProcessRunLauncher', config: { warmPool: { size: 2, idleTimeoutSeconds: 600 } } },
    }),
  });
  // Full before the first test, so that the suite's runs go to warm workers from the start.
  const launcher = (await instance.launcher()).inner as ProcessRunLauncher;
  await launcher.warmUp(
    { args: [], env: { RUNYARD_INSTANCE: instance.serialize() }, localCommand: [process.execPath] },
    home,
  );
  const started: RunRecord[] = [];
  return {
    instance,
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
      // The suite would pass with fresh workers too: make sure the pool is what ran the runs.
      expect(started.filter((run) => run.worker?.warm === true).length).toBeGreaterThan(started.length / 2);
      for (const run of started) if (groupAlive(run)) process.kill(-(run.worker?.pgid as number), 'SIGKILL');
      await instance.dispose();
      rmSync(home, { recursive: true, force: true });
    },
  };
});
