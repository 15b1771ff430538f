// Issue 3 figures, relabelled in issue 17 so each row measures what it says: launching runs onto
// their own process (the process launcher, no warm pool: bench/warm.js has that), with the job
// shapes and executors of the Dagster figures quoted (Dagster 1.1.4, launch → RUN_SUCCESS, same
// kind of machine), and the run worker's memory through the launcher with a job that loads zod.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Instance, loadCodeLocation, parseInstanceConfig } from 'runyard';
import {
  fmtMs,
  fmtStats,
  median,
  runsPerSecond,
  timeLaunchToSuccess,
  timeProcess,
  waitForSuccess,
  waitForWorkerExit,
} from './lib/measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'packages', 'runyard', 'bin', 'runyard.js');
export const SHAPES = path.join(here, 'fixtures', 'dagster-shapes.ts');
export const REPORT_MAX_RSS = path.join(here, 'fixtures', 'report-max-rss.mjs');

/** What the first, unmeasured run does before the measured ones; said as it is on this Node. */
export const WARM_UP_NOTE = module.enableCompileCache
  ? "a first run fills Node's compile cache and the code location's compiled-TypeScript cache"
  : "a first run fills the code location's compiled-TypeScript cache (Node 20 has no module.enableCompileCache)";

/** Runs `job launch --wait --json` and returns its wall time and the event timestamps. */
function launchWait(home, file, jobName) {
  const start = performance.now();
  const result = spawnSync(
    process.execPath,
    [cli, '--home', home, 'job', 'launch', '-f', file, '-j', jobName, '--wait', '--json'],
    { encoding: 'utf8' },
  );
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`job launch ${jobName} exited ${result.status}: ${result.stderr}`);
  return ms;
}

/** RUN_STARTING → RUN_START of a finished run: the worker's start-up, as storage recorded it. */
async function workerStartup(instance, runId) {
  const events = await instance.storage.events.getEvents(runId, { types: ['RUN_STARTING', 'RUN_START'] });
  const at = (type) => events.find((e) => e.type === type)?.timestamp;
  return at('RUN_START') - at('RUN_STARTING');
}

const faster = (dagsterMs, ms) =>
  `${(dagsterMs / ms).toFixed(1)}× faster than Dagster's recorded ${fmtMs(dagsterMs)} (not run here)`;

export async function launchBenchmarks({ rounds = 10 } = {}) {
  const rows = [];
  const home = mkdtempSync(path.join(tmpdir(), 'runyard-bench-launch-'));
  const instance = await Instance.open({ home });
  try {
    const location = await loadCodeLocation(SHAPES);
    const job = (name) => location.getJob(name);
    const launch = (name) => timeLaunchToSuccess(instance, job(name), location.path);
    // Not measured: WARM_UP_NOTE says what it does on this Node.
    for (const name of [
      'one_op',
      'one_op_multiprocess',
      'chain_10',
      'fan_out_20',
      'chain_10_reuse',
      'fan_out_20_reuse',
    ])
      await launch(name);
    launchWait(home, SHAPES, 'one_op');

    // One op, interleaved with `node -e 0` so the ratio sees the same machine load.
    const s = { node: [], mp: [], inProcess: [], startup: [], cli: [] };
    for (let i = 0; i < rounds; i++) {
      s.node.push(timeProcess(process.execPath, ['-e', '0']));
      s.mp.push(await launch('one_op_multiprocess'));
      const t = performance.now();
      const run = await instance.submitJobRun({ job: job('one_op'), codeLocation: location.path, source: 'api' });
      await waitForSuccess(instance, [run.runId]);
      s.inProcess.push(performance.now() - t);
      s.startup.push(await workerStartup(instance, run.runId));
      s.cli.push(launchWait(home, SHAPES, 'one_op'));
    }
    const node = median(s.node);
    rows.push([`(${WARM_UP_NOTE}; node -e 0 takes ${fmtMs(node)})`, '', '']);
    rows.push([
      'launch → RUN_SUCCESS, one op, multiprocess executor',
      fmtStats(s.mp),
      `${faster(4860, median(s.mp))}, its default multiprocess executor`,
    ]);
    rows.push([
      'launch → RUN_SUCCESS, one op, in-process executor',
      fmtStats(s.inProcess),
      `${faster(3720, median(s.inProcess))}, in process; warm pool: see below`,
    ]);
    rows.push([
      'RUN_STARTING → RUN_START (fresh worker start-up)',
      fmtStats(s.startup),
      `${(median(s.startup) / node).toFixed(2)}× node -e 0; target ≤ 2.5×`,
    ]);
    rows.push([
      'job launch --wait, one op, in process (whole CLI process, its exit included)',
      fmtStats(s.cli),
      `${(median(s.cli) / node).toFixed(2)}× node -e 0; target ≤ 400 ms`,
    ]);

    // The multiprocess shapes, interleaved with each other, with a process per step (as Dagster)
    // and with step processes reused (maxStepsPerProcess: 10).
    const shapes = { chain_10: [], fan_out_20: [], chain_10_reuse: [], fan_out_20_reuse: [] };
    for (let i = 0; i < Math.max(3, rounds / 2); i++)
      for (const name of Object.keys(shapes)) shapes[name].push(await launch(name));
    rows.push([
      'chain_10, multiprocess, launch → RUN_SUCCESS',
      fmtStats(shapes.chain_10),
      `${faster(16_600, median(shapes.chain_10))}; target ≤ 0.8 s`,
    ]);
    rows.push([
      'fan_out_20 (1 root → 19 leaves), multiprocess, launch → RUN_SUCCESS',
      fmtStats(shapes.fan_out_20),
      `${faster(20_500, median(shapes.fan_out_20))}; target ≤ 1.2 s`,
    ]);
    const versus = (name) => `${(median(shapes[name]) / median(shapes[name.replace('_reuse', '')])).toFixed(2)}×`;
    rows.push([
      'chain_10, multiprocess, maxStepsPerProcess 10, launch → RUN_SUCCESS',
      fmtStats(shapes.chain_10_reuse),
      `${versus('chain_10_reuse')} the row with a process per step; target ≤ 0.8 s`,
    ]);
    rows.push([
      'fan_out_20, multiprocess, maxStepsPerProcess 10, launch → RUN_SUCCESS',
      fmtStats(shapes.fan_out_20_reuse),
      `${versus('fan_out_20_reuse')} the row with a process per step; target ≤ 1.2 s`,
    ]);

    // Throughput: 20 runs submitted back to back, until the last SUCCESS (runs overlap).
    const rate = { mp: [], inProcess: [] };
    for (let i = 0; i < 3; i++) {
      rate.mp.push(await runsPerSecond(instance, job('one_op_multiprocess'), location.path));
      rate.inProcess.push(await runsPerSecond(instance, job('one_op'), location.path));
    }
    const perSecond = (v) => `${v.toFixed(1)} runs/s`;
    rows.push([
      '20 runs back to back, one op, multiprocess',
      fmtStats(rate.mp, perSecond),
      `${(median(rate.mp) / 0.65).toFixed(1)}× Dagster's 0.65 runs/s (multiprocess)`,
    ]);
    rows.push([
      '20 runs back to back, one op, in process',
      fmtStats(rate.inProcess, perSecond),
      'no Dagster figure in process; warm pool: see below',
    ]);
  } finally {
    await instance.dispose();
    rmSync(home, { recursive: true, force: true });
  }
  rows.push(...(await workerMemory()));
  return rows;
}

/**
 * Peak memory of a run worker that the process launcher started (the heartbeat thread included)
 * for a one-op job whose op validates its config with zod; each worker reports its own peak
 * (VmHWM) into the run's stderr as it exits.
 */
export async function workerMemory({ rounds = 3, warmPool } = {}) {
  const home = mkdtempSync(path.join(tmpdir(), 'runyard-bench-memory-'));
  const config = { execArgv: ['--import', REPORT_MAX_RSS], ...(warmPool ? { warmPool } : {}) };
  const instance = await Instance.open({
    home,
    config: parseInstanceConfig({ runLauncher: { class: 'ProcessRunLauncher', config } }),
  });
  try {
    const location = await loadCodeLocation(SHAPES);
    const job = location.getJob('one_op_zod');
    const logs = await instance.computeLogs();
    const mbs = [];
    for (let i = 0; i < rounds + 1; i++) {
      const run = await instance.submitJobRun({ job, codeLocation: location.path, source: 'api' });
      await waitForSuccess(instance, [run.runId]);
      await waitForWorkerExit(instance, run);
      const stderr = readFileSync(logs.localPaths(run.runId).stderr, 'utf8');
      const kb = Number(/max-rss-kb (\d+)/.exec(stderr)?.[1]);
      if (!kb) throw new Error(`run ${run.runId}'s worker reported no peak memory: ${stderr}`);
      if (i > 0 || warmPool) mbs.push(kb / 1024); // the first fresh worker also compiled the location
    }
    const nodeMb = (text) => Number(/max-rss-kb (\d+)/.exec(text)?.[1]) / 1024;
    const node = nodeMb(
      spawnSync(process.execPath, ['--import', REPORT_MAX_RSS, '-e', '0'], { encoding: 'utf8' }).stderr,
    );
    const mb = (v) => `${v.toFixed(1)} MB`;
    return [
      [
        `run worker peak memory, one op with zod, through the launcher${warmPool ? ' (warm pool)' : ''}`,
        fmtStats(mbs, mb),
        `${(median(mbs) / node).toFixed(2)}× node -e 0 (${mb(node)}); target ≤ 50 MB`,
      ],
    ];
  } finally {
    await instance.dispose();
    rmSync(home, { recursive: true, force: true });
  }
}
