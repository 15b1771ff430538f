// Issue 5 figures: the runs API over 10,000 stored runs, and live events fanned out over SSE.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Instance, startUiServer } from 'runyard';
import { fmtMs, sideBySide } from './lib/measure.js';

const STATUSES = ['SUCCESS', 'FAILURE', 'CANCELED'];

export async function uiBenchmarks({ runs = 10_000, subscribers = 50, events = 20_000 } = {}) {
  const rows = [];
  const home = mkdtempSync(path.join(tmpdir(), 'runyard-bench-ui-'));
  const instance = await Instance.open({ home });
  // Every subscriber is this one process: lift the per-client stream limit above their number.
  const server = await startUiServer({ instance, port: 0, maxStreamsPerClient: subscribers + 1 });
  try {
    await seedRuns(instance, runs);
    const get = async (route) => {
      const start = performance.now();
      const response = await fetch(`${server.url}${route}`);
      const body = await response.json();
      if (!response.ok) throw new Error(`${route}: ${JSON.stringify(body)}`);
      return performance.now() - start;
    };
    const direct = async () => {
      const start = performance.now();
      await instance.storage.runs.listRuns({ limit: 50 });
      return performance.now() - start;
    };
    const page = await sideBySide(
      {
        storage: direct,
        first: () => get('/api/runs?limit=50'),
        filtered: () => get('/api/runs?limit=50&status=FAILURE&job=job_3'),
        counts: () => get('/api/runs/counts'),
      },
      40,
    );
    rows.push([
      `runs API, first page of 50 of ${runs.toLocaleString('en')} runs`,
      fmtMs(page.first),
      `${(page.first / page.storage).toFixed(1)}× listRuns() in process (${fmtMs(page.storage)}); filtered by status+job ${fmtMs(page.filtered)}; counts ${fmtMs(page.counts)}`,
    ]);

    const fanOut = await sseFanOut(instance, server, subscribers, events);
    rows.push([
      `events delivered to ${subscribers} SSE subscribers of one run`,
      `${Math.round(fanOut.perSubscriber).toLocaleString('en')}/s`,
      `each; ${Math.round(fanOut.total).toLocaleString('en')}/s in all; writer alone ${Math.round(fanOut.writeRate).toLocaleString('en')}/s; ${events.toLocaleString('en')} events, batches of 100`,
    ]);
  } finally {
    await server.close();
    await instance.dispose();
    rmSync(home, { recursive: true, force: true });
  }
  return rows;
}

async function seedRuns(instance, count) {
  const origin = { codeLocation: '/bench/defs.ts', source: 'bench' };
  const jobs = 10;
  for (let i = 0; i < count; i++) {
    const run = await instance.storage.runs.createRun({
      jobName: `job_${i % jobs}`,
      tags: { team: i % 2 ? 'a' : 'b' },
      origin,
    });
    await instance.storage.runs.transition({ runId: run.runId, type: 'RUN_STARTING' });
    await instance.storage.runs.transition({ runId: run.runId, type: 'RUN_START' });
    const end = STATUSES[i % STATUSES.length];
    await instance.storage.runs.transition({
      runId: run.runId,
      type: end === 'SUCCESS' ? 'RUN_SUCCESS' : end === 'FAILURE' ? 'RUN_FAILURE' : 'RUN_CANCELED',
    });
  }
}

/** Opens `n` streams of one run, writes `total` events, and times until every stream has them all. */
async function sseFanOut(instance, server, n, total) {
  const run = await instance.storage.runs.createRun({
    jobName: 'fan_out',
    origin: { codeLocation: '/x', source: 'bench' },
  });
  const url = `${server.url}/api/runs/${run.runId}/events/stream`;
  const counts = new Array(n).fill(0);
  const controllers = [];
  const opened = [];
  for (let i = 0; i < n; i++) {
    const controller = new AbortController();
    controllers.push(controller);
    opened.push(
      readCount(url, controller.signal, (k) => {
        counts[i] += k;
      }),
    );
  }
  await Promise.all(opened.map((o) => o.ready));
  const start = performance.now();
  for (let written = 0; written < total; written += 100) {
    await instance.storage.events.appendEvents(
      Array.from({ length: 100 }, (_, j) => ({ runId: run.runId, type: 'LOG', message: `event ${written + j}` })),
    );
  }
  const writeMs = performance.now() - start;
  while (counts.some((c) => c < total)) await new Promise((r) => setTimeout(r, 5));
  const ms = performance.now() - start;
  for (const c of controllers) c.abort();
  await Promise.allSettled(opened.map((o) => o.done));
  return { perSubscriber: total / (ms / 1000), total: (total * n) / (ms / 1000), writeRate: total / (writeMs / 1000) };
}

/** Counts `run-event` messages on a stream; `ready` resolves once the response headers arrived. */
function readCount(url, signal, add) {
  let ready;
  const readyPromise = new Promise((r) => {
    ready = r;
  });
  const done = (async () => {
    const response = await fetch(url, { signal });
    ready();
    const decoder = new TextDecoder();
    let tail = '';
    try {
      for await (const chunk of response.body) {
        const text = tail + decoder.decode(chunk, { stream: true });
        const parts = text.split('event: run-event\n');
        add(parts.length - 1);
        tail = parts[parts.length - 1].slice(-32);
      }
    } catch (error) {
      if (error.name !== 'AbortError') throw error;
    }
  })();
  return { ready: readyPromise, done };
}
