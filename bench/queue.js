// Issue 15 figures: steps on queue workers (@runyard/queue) against the multiprocess executor on
// one machine, the queue's enqueue → step start latency, and trivial steps per second through one
// queue against BullMQ alone, side by side in one run. Starts its own redis-server (127.0.0.1, a
// free port, no persistence) and 3 `runyard queue worker` processes.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Instance, loadCodeLocation } from 'runyard';
import { fmtMs, fmtStats, median, sideBySideSamples, waitForSuccess } from './lib/measure.js';
import { startRedis } from './lib/redis-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const JOBS = path.join(here, 'fixtures/queue-jobs.ts');
const CLI = path.join(here, '../packages/runyard/bin/runyard.js');
async function waitForOutput(child, text, what) {
  let output = '';
  await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      if (output.includes(text)) resolve();
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => reject(new Error(`${what} exited ${code}:\n${output}`)));
  });
}

/** ms from submitting a run to its SUCCESS, and the run's events. */
async function timeRun(instance, job, tags = {}) {
  const t = performance.now();
  const run = await instance.submitJobRun({ job, codeLocation: JOBS, source: 'api', tags });
  await waitForSuccess(instance, [run.runId], 20);
  const ms = performance.now() - t;
  return { ms, events: await instance.storage.events.getEvents(run.runId) };
}

/** Per step: STEP_START's time minus when the run worker enqueued it (from the worker's "taken by" event). */
function startLatencies(events) {
  const enqueued = new Map();
  for (const e of events) if (e.data?.queueWorker && e.data.enqueuedAt) enqueued.set(e.stepKey, e.data.enqueuedAt);
  return events
    .filter((e) => (e.type === 'STEP_START' || e.type === 'STEP_RESTARTED') && enqueued.has(e.stepKey))
    .map((e) => e.timestamp - enqueued.get(e.stepKey));
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Trivial jobs through one BullMQ queue and one worker at concurrency 50: jobs per second. */
async function bareBullmq(url, count) {
  const { Queue, Worker } = await import('bullmq');
  const name = `bare-${Date.now()}`;
  const connection = { url, maxRetriesPerRequest: null };
  const queue = new Queue(name, { connection });
  let done = 0;
  let finish;
  const finished = new Promise((resolve) => {
    finish = resolve;
  });
  const worker = new Worker(name, async () => 1, { connection, concurrency: 50, autorun: false });
  worker.on('completed', () => {
    if (++done === count) finish();
  });
  await queue.addBulk(
    Array.from({ length: count }, (_, i) => ({ name: 'j', data: { i }, opts: { removeOnComplete: true } })),
  );
  const t = performance.now();
  void worker.run();
  await finished;
  const perSecond = count / ((performance.now() - t) / 1000);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return perSecond;
}

/** Steps per second of a fan-out's mapped steps: from the first one taken to the last one done. */
function stepsPerSecond(events) {
  const taken = events.filter((e) => e.data?.queueWorker && e.stepKey?.startsWith('work[')).map((e) => e.data.takenAt);
  const ends = events
    .filter((e) => e.type === 'STEP_SUCCESS' && e.stepKey?.startsWith('work['))
    .map((e) => e.timestamp);
  return ends.length / ((Math.max(...ends) - Math.min(...taken)) / 1000);
}

export async function queueBenchmarks({ rounds = Number(process.env.RUNYARD_BENCH_QUEUE_ROUNDS ?? 2) } = {}) {
  const home = mkdtempSync(path.join(tmpdir(), 'runyard-bench-queue-'));
  const redis = await startRedis();
  const workers = [];
  let instance;
  try {
    writeFileSync(
      path.join(home, 'runyard.yaml'),
      `queue: ${JSON.stringify({ connection: { url: redis.url }, sharedIoManager: true, lockDurationMs: 30000, reconcileIntervalSeconds: 3 })}\n`,
    );
    for (let i = 1; i <= 3; i++) {
      const child = spawn(
        process.execPath,
        [CLI, '--home', home, 'queue', 'worker', '--concurrency', '5', '--name', `bench-${i}`],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      workers.push(child);
      await waitForOutput(child, 'runyard queue worker ', `queue worker ${i}`);
    }
    instance = await Instance.open({ home });
    const location = await loadCodeLocation(JOBS);
    const queueJob = location.getJob('fan_out_queue');
    const mpJob = location.getJob('fan_out_multiprocess');
    const chain = location.getJob('chain_queue');
    // Not measured: the first runs compile the code location and warm the workers' spares.
    await timeRun(instance, queueJob, { 'bench/n': '10' });
    await timeRun(instance, mpJob, { 'bench/n': '10' });

    const fan = { queue: [], multiprocess: [] };
    const queueRates = [];
    const samples = await sideBySideSamples(
      {
        queue: async () => {
          const r = await timeRun(instance, queueJob, { 'bench/n': '200' });
          queueRates.push(stepsPerSecond(r.events));
          return r.ms;
        },
        multiprocess: async () => (await timeRun(instance, mpJob, { 'bench/n': '200' })).ms,
      },
      rounds,
    );
    Object.assign(fan, samples);
    const latencies = [];
    for (let i = 0; i < rounds; i++) latencies.push(...startLatencies((await timeRun(instance, chain)).events));
    const bare = [];
    for (let i = 0; i < rounds; i++) bare.push(await bareBullmq(redis.url, 2000));

    const perSecond = (v) => `${v.toFixed(0)} steps/s`;
    return [
      [
        '200-step map() fan-out, 3 queue workers × 5 (one machine)',
        fmtStats(fan.queue),
        `${(median(fan.queue) / median(fan.multiprocess)).toFixed(2)}× the multiprocess executor's time`,
      ],
      ['200-step map() fan-out, multiprocess executor, maxConcurrent 15', fmtStats(fan.multiprocess), ''],
      [
        `queue enqueue → STEP_START, chained steps, idle workers (${latencies.length} steps)`,
        `p50 ${fmtMs(percentile(latencies, 50))}, p99 ${fmtMs(percentile(latencies, 99))}`,
        'includes the step process taking the step (a spare is loaded)',
      ],
      [
        'trivial steps/s through one queue (the fan-out above)',
        fmtStats(queueRates, perSecond),
        `${(median(bare) / median(queueRates)).toFixed(0)}× fewer than BullMQ alone: ${fmtStats(bare, (v) => `${v.toFixed(0)} jobs/s`)} (one worker, concurrency 50)`,
      ],
    ];
  } finally {
    await instance?.dispose();
    for (const child of workers) child.kill('SIGKILL');
    redis.stop();
    rmSync(home, { recursive: true, force: true });
  }
}
