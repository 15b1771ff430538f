// Issue 15 part 6 figures: launch → RUN_SUCCESS of a one-op job through QueueRunLauncher (a run
// queue in a private redis-server, one `runyard queue worker --runs` pool) against the process
// launcher starting a fresh worker per run, side by side in one run.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Instance, loadCodeLocation } from 'runyard';
import { SHAPES, WARM_UP_NOTE } from './launch.js';
import { fmtStats, median, sideBySideSamples, timeLaunchToSuccess } from './lib/measure.js';
import { hasRedisServer, REDIS_SERVER, startRedis } from './lib/redis-server.js';

const CLI = fileURLToPath(new URL('../packages/runyard/bin/runyard.js', import.meta.url));

export async function queueRunsBenchmarks({ rounds = 10 } = {}) {
  if (!hasRedisServer()) return [['launch → RUN_SUCCESS through QueueRunLauncher', 'skipped', `no ${REDIS_SERVER}`]];
  const redis = await startRedis();
  const queueHome = mkdtempSync(path.join(tmpdir(), 'runyard-bench-qruns-'));
  const processHome = mkdtempSync(path.join(tmpdir(), 'runyard-bench-qruns-process-'));
  const queue = { connection: { url: redis.url } };
  writeFileSync(
    path.join(queueHome, 'runyard.yaml'),
    `queue: ${JSON.stringify(queue)}\nrunLauncher: ${JSON.stringify({ class: 'QueueRunLauncher' })}\n`,
  );
  const pool = spawn(process.execPath, [CLI, 'queue', 'worker', '--runs', '--concurrency', '2'], {
    env: { ...process.env, RUNYARD_HOME: queueHome },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const queued = await Instance.open({ home: queueHome });
  const processes = await Instance.open({ home: processHome });
  try {
    await new Promise((resolve, reject) => {
      pool.stdout.on('data', (chunk) => String(chunk).includes('runyard queue worker') && resolve());
      pool.once('exit', (code) => reject(new Error(`the run pool exited ${code}`)));
    });
    const location = await loadCodeLocation(SHAPES);
    const oneOp = location.getJob('one_op');
    for (const instance of [queued, processes]) await timeLaunchToSuccess(instance, oneOp, location.path);
    const samples = await sideBySideSamples(
      {
        queue: () => timeLaunchToSuccess(queued, oneOp, location.path),
        process: () => timeLaunchToSuccess(processes, oneOp, location.path),
      },
      rounds,
    );
    return [
      [`(queue run rows: ${WARM_UP_NOTE}; one pool worker, Redis on this machine)`, '', ''],
      ['launch → RUN_SUCCESS, one op, process launcher (fresh worker)', fmtStats(samples.process), ''],
      [
        'launch → RUN_SUCCESS, one op, QueueRunLauncher + queue worker --runs',
        fmtStats(samples.queue),
        `${(median(samples.queue) / median(samples.process)).toFixed(2)}× the process launcher's time`,
      ],
    ];
  } finally {
    pool.kill('SIGTERM');
    await new Promise((resolve) => (pool.exitCode === null ? pool.once('exit', resolve) : resolve()));
    await queued.dispose();
    await processes.dispose();
    redis.stop();
    for (const dir of [queueHome, processHome]) rmSync(dir, { recursive: true, force: true });
  }
}
