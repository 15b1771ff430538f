import { runLauncherConformance } from '@runyard/testing';
import { describeWithRedis } from './redis-server.js';
import { type RunPoolHome, runPoolHome } from './support/run-pool.js';

// The shared lifecycle suite with QueueRunLauncher: runs wait on a run queue of the file's own
// Redis, and two real `runyard queue worker --runs` processes start their run workers.
describeWithRedis('QueueRunLauncher on Redis', (redis) => {
  runLauncherConformance(
    'QueueRunLauncher',
    async () => {
      const home: RunPoolHome = await runPoolHome(redis().url);
      try {
        const pools = [home.startPool(['--concurrency', '4']), home.startPool(['--concurrency', '4'])];
        await Promise.all(pools.map((p) => p.ready));
        return {
          instance: home.instance,
          // The run worker is the node process its pool's supervisor started; its pid is on RUN_START.
          async killWorker(run) {
            const events = await home.instance.storage.events.getEvents(run.runId, { types: ['RUN_START'] });
            const pid = events[0]?.data?.pid;
            if (typeof pid !== 'number') throw new Error(`run ${run.runId} has no RUN_START with a pid`);
            process.kill(pid, 'SIGKILL');
          },
          workerAlive: (run) => home.workerAlive(run),
          cleanup: () => home.close(),
        };
      } catch (error) {
        await home.close();
        throw error;
      }
    },
    { timeoutMs: 45_000 },
  );
});
