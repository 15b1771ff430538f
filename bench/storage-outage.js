// Events through a storage outage: a run's event writer (the one every worker uses) is fed at a
// steady pace for 10 s, once with storage up all along and once with PostgreSQL stopped for 5 s in
// the middle (pg_ctl stop -m fast, then start on the same port). Side by side: the rate at which
// events end up stored, how long after the restart the backlog was stored, and how many were lost
// (must be 0: the writer keeps them in memory and a spill file and tries again with backoff).
import { performance } from 'node:perf_hooks';
import { BufferedEventWriter } from 'runyard/internal';

const PRODUCE_MS = 10_000;
const OUTAGE_AT_MS = 2_500;
const OUTAGE_MS = 5_000;
const EVENTS_PER_TICK = 10;

export async function storageOutageBenchmarks(storage, server) {
  const steady = await feed(storage);
  const outage = await feed(storage, server);
  const fmt = (n) => `${Math.round(n).toLocaleString('en')}/s`;
  const lost = outage.emitted - outage.stored;
  if (lost !== 0 || steady.emitted !== steady.stored)
    throw new Error(`events lost: ${lost} with the outage, ${steady.emitted - steady.stored} without`);
  return [
    [
      'events stored per second through a 5 s PostgreSQL outage',
      `${fmt(outage.rate)}, ${lost} of ${outage.emitted.toLocaleString('en')} lost, backlog stored ${(outage.catchUpMs / 1000).toFixed(1)} s after the restart`,
      `${(outage.rate / steady.rate).toFixed(2)}× with no outage (${fmt(steady.rate)}, ${steady.emitted.toLocaleString('en')} events)`,
    ],
  ];
}

/** Emits for PRODUCE_MS (stopping the server for OUTAGE_MS when given one), then waits until all is stored. */
async function feed(storage, server) {
  const { runId } = await storage.runs.createRun({
    jobName: 'bench',
    origin: { codeLocation: 'bench', source: 'api' },
  });
  const writer = new BufferedEventWriter(storage.events, runId, { note: () => undefined });
  const start = performance.now();
  let emitted = 0;
  let restartedAt;
  const outage = server
    ? (async () => {
        await sleep(OUTAGE_AT_MS);
        server.halt();
        await sleep(OUTAGE_MS);
        server.restart();
        restartedAt = performance.now();
      })()
    : Promise.resolve();
  while (performance.now() - start < PRODUCE_MS) {
    for (let i = 0; i < EVENTS_PER_TICK; i++)
      writer.emit({ type: 'LOG', message: `event ${emitted++}`, data: { n: emitted } });
    await sleep(1);
  }
  await outage;
  await writer.flush();
  const end = performance.now();
  const stored = (await storage.events.getEvents(runId, { types: ['LOG'] })).length;
  return { emitted, stored, rate: stored / ((end - start) / 1000), catchUpMs: restartedAt ? end - restartedAt : 0 };
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
