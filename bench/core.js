// Issue 2 figures: in-process execution cost, whole-process `job execute`, events per second.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { executeJob, Instance, job, map, op } from 'runyard';
import { z } from 'zod';
import { fmtMs, fmtStats, median, sideBySideSamples, timeProcess } from './lib/measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'packages', 'runyard', 'bin', 'runyard.js');

export async function coreBenchmarks({ rounds = 10 } = {}) {
  const rows = [];
  const home = mkdtempSync(path.join(tmpdir(), 'runyard-bench-'));
  try {
    // Whole process: `runyard job execute` of one op against `node -e 0`, interleaved.
    const args = [
      cli,
      '--home',
      home,
      'job',
      'execute',
      '-f',
      path.join(here, 'fixtures', 'one-op.ts'),
      '-j',
      'one_op',
    ];
    // Creates the instance and fills the code location's compiled-TypeScript cache (and, on Node
    // ≥ 22.1 only, Node's compile cache): not measured.
    timeProcess(process.execPath, args);
    const whole = await sideBySideSamples(
      { node: () => timeProcess(process.execPath, ['-e', '0']), execute: () => timeProcess(process.execPath, args) },
      rounds,
    );
    const execute = median(whole.execute);
    const node = median(whole.node);
    rows.push([
      'runyard job execute, one op (whole process)',
      fmtStats(whole.execute),
      `${(execute / node).toFixed(2)}× node -e 0 (${fmtMs(node)}); target ≤ 250 ms`,
    ]);

    const instance = await Instance.open({ home });
    try {
      const noop = op({ name: 'noop', run: () => 1 });
      const oneOp = job({ name: 'one_op', graph: () => void noop() });
      for (let i = 0; i < 20; i++) await executeJob(oneOp, { instance });
      const warm = [];
      for (let i = 0; i < 200; i++) {
        const t = performance.now();
        await executeJob(oneOp, { instance });
        warm.push(performance.now() - t);
      }
      rows.push(['executeJob(), one op, warm (SQLite file)', fmtStats(warm), 'target ≤ 2 ms']);

      const pass = op({ name: 'pass', run: () => 1 });
      const link = op({ name: 'link', ins: { x: z.number() }, run: (_c, { x }) => x + 1 });
      const chain = job({
        name: 'chain_1000',
        graph: () => {
          let prev = pass();
          for (let i = 1; i < 1000; i++) prev = link.as(`link_${i}`)({ x: prev });
        },
      });
      const fanOut = job({
        name: 'fan_out_1000',
        executor: { type: 'in_process', maxConcurrent: 16 },
        graph: () => {
          for (let i = 0; i < 1000; i++) pass.as(`pass_${i}`)();
        },
      });
      for (const j of [chain, fanOut]) {
        await executeJob(j, { instance });
        const times = [];
        for (let i = 0; i < 5; i++) {
          const t = performance.now();
          const result = await executeJob(j, { instance });
          if (!result.success) throw new Error(`${j.name} failed`);
          times.push(performance.now() - t);
        }
        const ms = median(times);
        rows.push([`${j.name} in process`, fmtStats(times), `${fmtMs(ms / 1000)} per step; target ≤ 0.5 ms`]);
      }

      // Issue 14: 1,000 steps made by map() at run time against 1,000 static ones, same op, same
      // concurrency, interleaved so both see the same load.
      const items = op({ name: 'items', run: () => Array.from({ length: 1000 }, (_, i) => i) });
      const one = op({ name: 'one', ins: { n: z.number() }, run: (_c, { n }) => n });
      const mapped = job({
        name: 'mapped_1000',
        executor: { type: 'in_process', maxConcurrent: 16 },
        graph: () => void map(items(), (n) => one({ n })),
      });
      const seed = op({ name: 'seed', run: () => 7 });
      const stat = job({
        name: 'static_1000',
        executor: { type: 'in_process', maxConcurrent: 16 },
        graph: () => {
          const n = seed();
          for (let i = 0; i < 1000; i++) one.as(`one_${i}`)({ n });
        },
      });
      const timed = (j) => async () => {
        const t = performance.now();
        const result = await executeJob(j, { instance });
        if (!result.success) throw new Error(`${j.name} failed`);
        return performance.now() - t;
      };
      await timed(mapped)();
      await timed(stat)();
      const fanned = await sideBySide({ mapped: timed(mapped), static: timed(stat) }, 5);
      rows.push([
        '1,000 mapped steps in process (map())',
        `${fmtMs(fanned.mapped / 1000)} per step`,
        `${(fanned.mapped / fanned.static).toFixed(2)}× 1,000 static steps (${fmtMs(fanned.static / 1000)} per step); target ≤ 1.5×`,
      ]);

      // Events per second: batches of 100, as the engine's buffered writer writes them.
      const run = await instance.storage.runs.createRun({
        jobName: 'bench',
        origin: { codeLocation: 'bench', source: 'api' },
      });
      const batch = Array.from({ length: 100 }, (_, i) => ({
        runId: run.runId,
        type: 'LOG',
        message: `event ${i}`,
        data: { i },
      }));
      const single = { runId: run.runId, type: 'LOG', message: 'one event' };
      let t = performance.now();
      for (let i = 0; i < 200; i++) await instance.storage.events.appendEvents(batch);
      const batched = 20_000 / ((performance.now() - t) / 1000);
      t = performance.now();
      for (let i = 0; i < 2000; i++) await instance.storage.events.appendEvents([single]);
      const oneByOne = 2000 / ((performance.now() - t) / 1000);
      rows.push([
        'events written per second (SQLite file)',
        `${Math.round(batched).toLocaleString('en')}/s`,
        `batches of 100; ${Math.round(oneByOne).toLocaleString('en')}/s one per transaction`,
      ]);
    } finally {
      await instance.dispose();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  return rows;
}
