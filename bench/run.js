// `npm run bench`: every benchmark, measured side by side in one run, printed as a table.
// `npm run bench -- core` (or ui, launch, threads, warm, daemon, postgres, docker, k8s, aws, queue, queue-runs) runs one group; RUNYARD_BENCH_QUEUE_RUNS sizes the queue drain.
// The postgres, docker, k8s and aws groups start their own PostgreSQL server, Docker engine and moto (as root).
import { awsBenchmarks } from './aws.js';
import { coreBenchmarks } from './core.js';
import { daemonBenchmarks } from './daemon.js';
import { dockerBenchmarks } from './docker.js';
import { k8sBenchmarks } from './k8s.js';
import { launchBenchmarks } from './launch.js';
import { report } from './lib/measure.js';
import { postgresBenchmarks } from './postgres.js';
import { queueBenchmarks } from './queue.js';
import { queueRunsBenchmarks } from './queue-runs.js';
import { threadsBenchmarks } from './threads.js';
import { uiBenchmarks } from './ui.js';
import { warmBenchmarks } from './warm.js';

const groups = {
  core: coreBenchmarks,
  ui: uiBenchmarks,
  launch: launchBenchmarks,
  threads: threadsBenchmarks,
  warm: warmBenchmarks,
  daemon: daemonBenchmarks,
  docker: dockerBenchmarks,
  k8s: k8sBenchmarks,
  postgres: postgresBenchmarks,
  aws: awsBenchmarks,
  queue: queueBenchmarks,
  'queue-runs': queueRunsBenchmarks,
};
const wanted = process.argv.slice(2).filter((a) => a in groups);
const rows = [['benchmark', 'figure', 'compared with']];
for (const name of wanted.length ? wanted : Object.keys(groups)) rows.push(...(await groups[name]()));
report(rows);
