// Issue 3 figures: launching runs onto their own process, the multiprocess executor, the worker's memory.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Instance, loadCodeLocation } from 'runyard';
import { fmtMs, median, timeProcess } from './lib/measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'packages', 'runyard', 'bin', 'runyard.js');
const oneOp = path.join(here, 'fixtures', 'one-op.ts');

/** Runs `job launch --wait --json` and returns its wall time and the event timestamps. */
function launchWait(home, file, jobName) {
  const start = performance.now();
  const result = spawnSync(
    process.execPath,
    [cli, '--home', home, 'job', 'launch', '-f', file, '-j', jobName, '--wait', '--json'],
    {
      encoding: 'utf8',
    },
  );
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`job launch ${jobName} exited ${result.status}: ${result.stderr}`);
  const events = result.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const at = (type) => events.find((e) => e.type === type)?.timestamp;
  return {
    ms,
    startingToStart: at('RUN_START') - at('RUN_STARTING'),
    startToSuccess: at('RUN_SUCCESS') - at('RUN_START'),
  };
}

export async function launchBenchmarks({ rounds = 10 } = {}) {
  const rows = [];
  const home = mkdtempSync(path.join(tmpdir(), 'runyard-bench-launch-'));
  try {
    launchWait(home, oneOp, 'one_op'); // warm the compile cache
    const samples = { node: [], launch: [], startingToStart: [] };
    for (let i = 0; i < rounds; i++) {
      samples.node.push(timeProcess(process.execPath, ['-e', '0']));
      const r = launchWait(home, oneOp, 'one_op');
      samples.launch.push(r.ms);
      samples.startingToStart.push(r.startingToStart);
    }
    const node = median(samples.node);
    const launch = median(samples.launch);
    const sts = median(samples.startingToStart);
    rows.push([
      'job launch --wait, one op (whole process)',
      fmtMs(launch),
      `${(launch / node).toFixed(2)}× node -e 0 (${fmtMs(node)}); target ≤ 400 ms (Dagster 4.3 s)`,
    ]);
    rows.push([
      'RUN_STARTING → RUN_START (worker start-up)',
      fmtMs(sts),
      `${(sts / node).toFixed(2)}× node -e 0; target ≤ 2.5×`,
    ]);

    const multi = path.join(here, 'fixtures', 'multi.ts');
    for (const [jobName, target] of [
      ['chain_10', 'target ≤ 1.5 s (Dagster ~20 s)'],
      ['fan_out_20', 'target ≤ 1.5 s (Dagster 18 s)'],
    ]) {
      launchWait(home, multi, jobName);
      const times = [];
      for (let i = 0; i < Math.max(3, rounds / 2); i++) times.push(launchWait(home, multi, jobName).ms);
      const ms = median(times);
      rows.push([
        `${jobName}, multiprocess, launch --wait`,
        fmtMs(ms),
        `${(ms / node).toFixed(1)}× node -e 0; ${target}`,
      ]);
    }

    // 20 runs submitted back to back through the instance, until all have finished.
    const instance = await Instance.open({ home });
    try {
      const location = await loadCodeLocation(oneOp);
      const job = location.getJob('one_op');
      const t = performance.now();
      const runs = [];
      for (let i = 0; i < 20; i++)
        runs.push(await instance.submitJobRun({ job, codeLocation: location.path, source: 'api' }));
      for (const run of runs) {
        for (;;) {
          const now = await instance.storage.runs.getRun(run.runId);
          if (now.status === 'SUCCESS') break;
          if (now.status === 'FAILURE' || now.status === 'CANCELED')
            throw new Error(`run ${run.runId} ended ${now.status}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      const seconds = (performance.now() - t) / 1000;
      rows.push([
        '20 runs launched back to back',
        `${(20 / seconds).toFixed(1)} runs/s`,
        `${(seconds / 20 / (node / 1000)).toFixed(1)}× node -e 0 per run; target ≥ 10 runs/s (Dagster 0.7)`,
      ]);

      // Peak memory of one run worker, reported by the worker itself as it exits.
      const created = await instance.storage.runs.createRun({
        jobName: 'one_op',
        origin: { codeLocation: location.path, source: 'api' },
      });
      await instance.storage.runs.transition({ runId: created.runId, type: 'RUN_STARTING' });
      const worker = spawnSync(
        process.execPath,
        ['--import', path.join(here, 'fixtures', 'report-max-rss.mjs'), cli, 'worker', 'execute-run', created.runId],
        { encoding: 'utf8', env: { ...process.env, RUNYARD_INSTANCE: instance.serialize() } },
      );
      const nodeRss = spawnSync(
        process.execPath,
        ['--import', path.join(here, 'fixtures', 'report-max-rss.mjs'), '-e', '0'],
        { encoding: 'utf8' },
      );
      const kb = (text) => Number(/max-rss-kb (\d+)/.exec(text)?.[1]);
      const mb = kb(worker.stderr) / 1024;
      rows.push([
        'run worker peak memory (one op)',
        `${mb.toFixed(1)} MB`,
        `${(mb / (kb(nodeRss.stderr) / 1024)).toFixed(2)}× node -e 0 (${(kb(nodeRss.stderr) / 1024).toFixed(1)} MB); target ≤ 60 MB (Dagster 89 MB)`,
      ]);
    } finally {
      await instance.dispose();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  return rows;
}
