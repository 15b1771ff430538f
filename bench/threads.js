// Issue 17 part 1 figures: the threads executor beside the multiprocess executor (launch →
// RUN_SUCCESS of Dagster's fan_out_20 shape through the process launcher), and what one step
// costs on the threads executor, beside the in-process executor and `node -e 0`, all interleaved.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { executeJob, FileSystemIOManager, Instance, loadCodeLocation } from 'runyard';
import { fmtMs, fmtStats, median, sideBySideSamples, timeLaunchToSuccess, timeProcess } from './lib/measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SHAPES = path.join(here, 'fixtures', 'threads-shapes.ts');
/** Steps in the chain jobs of threads-shapes.ts. */
const CHAIN_LENGTH = 51;

export async function threadsBenchmarks({ rounds = 7 } = {}) {
  const rows = [];
  const home = mkdtempSync(path.join(tmpdir(), 'runyard-bench-threads-'));
  const instance = await Instance.open({ home });
  try {
    const location = await loadCodeLocation(SHAPES);
    const job = (name) => location.getJob(name);
    const launch = (name) => () => timeLaunchToSuccess(instance, job(name), location.path);
    // Not measured: fills the compiled-TypeScript cache (and Node's compile cache where there is one).
    await launch('fan_out_20_threads')();
    await launch('fan_out_20_multiprocess')();

    const fan = await sideBySideSamples(
      { threads: launch('fan_out_20_threads'), multiprocess: launch('fan_out_20_multiprocess') },
      Math.max(3, Math.ceil(rounds / 2)),
    );
    rows.push([
      'fan_out_20 (1 root → 19 leaves), threads executor, launch → RUN_SUCCESS',
      fmtStats(fan.threads),
      `${(median(fan.multiprocess) / median(fan.threads)).toFixed(1)}× faster than multiprocess beside it; Dagster's recorded 20.5 s (multiprocess); target ≤ 0.5 s`,
    ]);
    rows.push([
      'fan_out_20 (1 root → 19 leaves), multiprocess executor, launch → RUN_SUCCESS (same rounds)',
      fmtStats(fan.multiprocess),
      'target ≤ 1.2 s (issue 17 part 2)',
    ]);

    // Per step: a chain runs one step at a time on one thread. From the first step's success to
    // the last one's, as the events record it, each of the 50 further steps costs its message to
    // the thread and back, its events stored in SQLite and its output written to a file, as in a
    // launched run; thread start-up, run start and run end are outside the span.
    const io = new FileSystemIOManager(path.join(home, 'bench-outputs'));
    const stepCost = (name) => async () => {
      const result = await executeJob(job(name), { instance, io, codeLocation: location.path });
      if (!result.success) throw new Error(`${name} ended ${result.status}`);
      const successes = result.events.filter((e) => e.type === 'STEP_SUCCESS').map((e) => e.timestamp);
      return (successes.at(-1) - successes[0]) / (successes.length - 1);
    };
    const oneOp = (name) => async () => {
      const t = performance.now();
      const result = await executeJob(job(name), { instance, io, codeLocation: location.path });
      if (!result.success) throw new Error(`${name} ended ${result.status}`);
      return performance.now() - t;
    };
    await stepCost('chain_51_threads')();
    await stepCost('chain_51_in_process')();
    const s = await sideBySideSamples(
      {
        node: () => timeProcess(process.execPath, ['-e', '0']),
        threads: stepCost('chain_51_threads'),
        inProcess: stepCost('chain_51_in_process'),
        oneThreads: oneOp('one_op_threads'),
        oneInProcess: oneOp('one_op_in_process'),
      },
      rounds,
    );
    const node = median(s.node);
    rows.push([
      `threads executor, cost of one step: a chain of ${CHAIN_LENGTH}, first to last STEP_SUCCESS / ${CHAIN_LENGTH - 1} (executeJob, SQLite events, file outputs)`,
      fmtStats(s.threads),
      `${(median(s.threads) / node).toFixed(3)}× node -e 0 (${fmtMs(node)}); target ≤ 15 ms and ≤ 0.25×`,
    ]);
    rows.push([
      'in-process executor, the same measure beside it (what every executor pays per step)',
      fmtStats(s.inProcess),
      `threads add ${fmtMs(median(s.threads) - median(s.inProcess))} per step`,
    ]);
    rows.push([
      'one-op job on the threads executor via executeJob (its thread loads Runyard, zod and the job)',
      fmtStats(s.oneThreads),
      `in process: ${fmtMs(median(s.oneInProcess))}; the difference is a thread's start-up, paid once per thread per run`,
    ]);
  } finally {
    await instance.dispose();
    rmSync(home, { recursive: true, force: true });
  }
  return rows;
}
