// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${vars.x}` is runyard.yaml's own syntax, written literally here
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Instance, LAUNCHER_TAG, parseInstanceConfig, type RunRecord } from 'runyard';
import { expect } from 'vitest';
import { runLauncherConformance } from '../src/index.js';

// The same suite, with the process launcher as one of several named launchers: every run goes
// through the router at submit and records `runyard/launcher`, and terminate, health and resume
// find the launcher from the run.

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

runLauncherConformance('ProcessRunLauncher behind the launcher router', async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'runyard-routed-launcher-'));
  const instance = await Instance.open({
    home,
    config: parseInstanceConfig({
      runLaunchers: {
        default: 'local',
        launchers: {
          local: {
            class: 'ProcessRunLauncher',
            config: { env: { ROUTED: '${vars.mark}' } },
            variables: { mark: { type: 'string', default: 'yes' } },
          },
          // Never chosen: a run that reached it would fail on its bogus environment.
          other: { class: 'ProcessRunLauncher', allow: { jobs: [] }, config: { execArgv: ['--no-such-node-flag'] } },
        },
      },
    }),
  });
  const started: RunRecord[] = [];
  return {
    instance,
    async killWorker(run) {
      started.push(run);
      expect(run.tags[LAUNCHER_TAG] ?? 'local').toBe('local');
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
      for (const run of started) if (groupAlive(run)) process.kill(-(run.worker?.pgid as number), 'SIGKILL');
      await instance.dispose();
      rmSync(home, { recursive: true, force: true });
    },
  };
});
