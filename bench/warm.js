// Issue 17 figures: the process launcher's warm pool (warmPool in its config) against the same
// launcher starting a fresh worker per run, side by side in one run. Only a long-lived launcher
// (daemon, `runyard dev`, the UI server) keeps a pool; this process plays that part.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Instance, loadCodeLocation, parseInstanceConfig } from 'runyard';
import { SHAPES, WARM_UP_NOTE, workerMemory } from './launch.js';
import { fmtStats, median, runsPerSecond, timeLaunchToSuccess } from './lib/measure.js';

async function openInstance(warmPool) {
  const home = mkdtempSync(path.join(tmpdir(), 'runyard-bench-warm-'));
  const config = warmPool ? { warmPool } : {};
  const instance = await Instance.open({
    home,
    config: parseInstanceConfig({ runLauncher: { class: 'ProcessRunLauncher', config } }),
  });
  const launcher = (await instance.launcher()).inner;
  /** Until the pool is full again, as it is for a launch that comes after a quiet moment. */
  const full = () =>
    warmPool
      ? launcher.warmUp(
          { args: [], env: { RUNYARD_INSTANCE: instance.serialize() }, localCommand: [process.execPath] },
          home,
        )
      : Promise.resolve();
  return {
    instance,
    full,
    async close() {
      await instance.dispose();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export async function warmBenchmarks({ rounds = 10 } = {}) {
  const rows = [];
  const location = await loadCodeLocation(SHAPES);
  const oneOp = location.getJob('one_op');
  const cold = await openInstance(undefined);
  const warm = await openInstance({ size: 2 });
  const reuse = await openInstance({ size: 4, maxRunsPerProcess: 25 });
  try {
    for (const side of [cold, warm, reuse]) {
      await side.full();
      await timeLaunchToSuccess(side.instance, oneOp, location.path); // not measured: WARM_UP_NOTE
    }
    const one = { cold: [], warm: [] };
    for (let i = 0; i < rounds; i++) {
      one.cold.push(await timeLaunchToSuccess(cold.instance, oneOp, location.path));
      await warm.full();
      one.warm.push(await timeLaunchToSuccess(warm.instance, oneOp, location.path));
    }
    rows.push([`(warm pool rows: ${WARM_UP_NOTE}; each launch finds the pool full)`, '', '']);
    rows.push(['launch → RUN_SUCCESS, one op, in process, fresh worker', fmtStats(one.cold), '']);
    rows.push([
      'launch → RUN_SUCCESS, one op, in process, warm pool',
      fmtStats(one.warm),
      `${(median(one.cold) / median(one.warm)).toFixed(1)}× faster than a fresh worker; target ≤ 100 ms`,
    ]);

    const rate = { cold: [], warm: [], reuse: [] };
    const perSecond = (v) => `${v.toFixed(1)} runs/s`;
    for (let i = 0; i < 3; i++) {
      rate.cold.push(await runsPerSecond(cold.instance, oneOp, location.path));
      await warm.full();
      rate.warm.push(await runsPerSecond(warm.instance, oneOp, location.path));
      await reuse.full();
      rate.reuse.push(await runsPerSecond(reuse.instance, oneOp, location.path));
    }
    rows.push(['20 runs back to back, one op, in process, fresh workers', fmtStats(rate.cold, perSecond), '']);
    rows.push([
      '20 runs back to back, warm pool (size 2, one run per process)',
      fmtStats(rate.warm, perSecond),
      `${(median(rate.warm) / median(rate.cold)).toFixed(1)}× fresh workers; target ≥ 40 runs/s`,
    ]);
    rows.push([
      '20 runs back to back, warm pool (size 4, maxRunsPerProcess 25)',
      fmtStats(rate.reuse, perSecond),
      `${(median(rate.reuse) / median(rate.cold)).toFixed(1)}× fresh workers; target ≥ 40 runs/s`,
    ]);
  } finally {
    await cold.close();
    await warm.close();
    await reuse.close();
  }
  rows.push(...(await workerMemory({ warmPool: { size: 1 } })));
  return rows;
}
