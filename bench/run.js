// `npm run bench`: every benchmark, measured side by side in one run, printed as a table.
// `npm run bench -- core` (or launch, daemon) runs one group; RUNYARD_BENCH_QUEUE_RUNS sizes the queue drain.
import { coreBenchmarks } from './core.js';
import { daemonBenchmarks } from './daemon.js';
import { launchBenchmarks } from './launch.js';
import { report } from './lib/measure.js';

const groups = { core: coreBenchmarks, launch: launchBenchmarks, daemon: daemonBenchmarks };
const wanted = process.argv.slice(2).filter((a) => a in groups);
const rows = [['benchmark', 'figure', 'compared with']];
for (const name of wanted.length ? wanted : Object.keys(groups)) rows.push(...(await groups[name]()));
report(rows);
