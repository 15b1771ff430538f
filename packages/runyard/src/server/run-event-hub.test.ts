import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../events/run-event.js';
import type { EventLogStorage } from '../storage/event-log-storage.js';
import { SqliteStorage } from '../storage/sqlite/sqlite-storage.js';
import { followRunEvents } from './follow-run-events.js';
import { RunEventHub } from './run-event-hub.js';

const ORIGIN = { codeLocation: '/x.ts', source: 'test' };
const opened: Array<{ dispose(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.dispose();
});

async function setup(options: ConstructorParameters<typeof RunEventHub>[1] = {}) {
  const storage = await SqliteStorage.open({ path: ':memory:' });
  let reads = 0;
  // Counts the hub's queries: the point of the hub is that this does not grow with subscribers.
  const events: EventLogStorage = {
    appendEvents: (list) => storage.events.appendEvents(list),
    getEvents: (runId, query) => storage.events.getEvents(runId, query),
    getLatestEventId: () => storage.events.getLatestEventId(),
    getEventsAfter: (afterId, query) => {
      reads++;
      return storage.events.getEventsAfter(afterId, query);
    },
  };
  const hub = new RunEventHub(events, { pollIntervalMs: 20, ...options });
  opened.push(storage, { dispose: () => hub.close() });
  return { storage, events, hub, reads: () => reads };
}

const until = async (check: () => boolean, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('RunEventHub', () => {
  it('feeds many subscribers of one run from one read per poll', async () => {
    const { storage, hub, reads } = await setup();
    const run = await storage.runs.createRun({ jobName: 'j', origin: ORIGIN });
    const other = await storage.runs.createRun({ jobName: 'j', origin: ORIGIN });
    const received = Array.from({ length: 50 }, () => [] as number[]);
    const stops = await Promise.all(
      received.map((list) => hub.subscribeRun(run.runId, (events) => list.push(...events.map((e) => e.id)))),
    );
    const everything: RunEvent[] = [];
    stops.push(await hub.subscribeAll((events) => everything.push(...events)));
    const readsBefore = reads();
    const written = await storage.events.appendEvents(
      Array.from({ length: 20 }, (_, i) => ({
        runId: i % 2 ? run.runId : other.runId,
        type: 'LOG' as const,
        message: `${i}`,
      })),
    );
    await until(() => received.every((list) => list.length === 10) && everything.length === 20);
    const mine = written.filter((e) => e.runId === run.runId).map((e) => e.id);
    for (const list of received) expect(list).toEqual(mine);
    // A handful of polls happened while we waited; 51 subscribers did not multiply them.
    expect(reads() - readsBefore).toBeLessThan(20);
    for (const stop of stops) stop();
    expect(hub.subscriberCount).toBe(0);
  });

  it('reads nothing while nobody listens, and a listener does not get events from before it came', async () => {
    const { storage, hub, reads } = await setup();
    const run = await storage.runs.createRun({ jobName: 'j', origin: ORIGIN });
    await storage.events.appendEvents([{ runId: run.runId, type: 'LOG', message: 'before' }]);
    const seen: string[] = [];
    const stop = await hub.subscribeRun(run.runId, (events) => seen.push(...events.map((e) => e.message)));
    await storage.events.appendEvents([{ runId: run.runId, type: 'LOG', message: 'after' }]);
    await until(() => seen.length === 1);
    expect(seen).toEqual(['after']);
    stop();
    await new Promise((r) => setTimeout(r, 60));
    const idle = reads();
    await new Promise((r) => setTimeout(r, 100));
    expect(reads()).toBe(idle);
  });

  it('reads a backlog bigger than a batch in several queries, each event once and in order', async () => {
    const { storage, hub } = await setup({ batchSize: 7 });
    const run = await storage.runs.createRun({ jobName: 'j', origin: ORIGIN });
    const seen: number[] = [];
    await hub.subscribeAll((events) => seen.push(...events.map((e) => e.id)));
    const written = await storage.events.appendEvents(
      Array.from({ length: 30 }, () => ({ runId: run.runId, type: 'LOG' as const })),
    );
    await until(() => seen.length >= 30);
    expect(seen).toEqual(written.map((e) => e.id));
  });

  it('wakes at once when the storage pushes', async () => {
    const { storage } = await setup();
    let notify: (() => void) | undefined;
    const pushing: EventLogStorage = {
      appendEvents: (list) => storage.events.appendEvents(list),
      getEvents: (runId, query) => storage.events.getEvents(runId, query),
      getLatestEventId: () => storage.events.getLatestEventId(),
      getEventsAfter: (afterId, query) => storage.events.getEventsAfter(afterId, query),
      onEventsStored: async (listener) => {
        notify = listener;
        return { close: async () => undefined };
      },
    };
    const hub = new RunEventHub(pushing, { pollIntervalMs: 60_000 });
    opened.push({ dispose: () => hub.close() });
    const run = await storage.runs.createRun({ jobName: 'j', origin: ORIGIN });
    const seen: string[] = [];
    await hub.subscribeRun(run.runId, (events) => seen.push(...events.map((e) => e.message)));
    await until(() => notify !== undefined);
    await new Promise((r) => setTimeout(r, 30)); // the loop is now asleep for a minute
    await storage.events.appendEvents([{ runId: run.runId, type: 'LOG', message: 'pushed' }]);
    notify!();
    await until(() => seen.length === 1);
    expect(seen).toEqual(['pushed']);
  });
});

describe('followRunEvents', () => {
  it('delivers the backlog and then live events, each once and in order, while a writer races it', async () => {
    const { storage, hub } = await setup({ pollIntervalMs: 5 });
    const run = await storage.runs.createRun({ jobName: 'j', origin: ORIGIN });
    const write = (n: number) =>
      storage.events.appendEvents(Array.from({ length: n }, () => ({ runId: run.runId, type: 'LOG' as const })));
    await write(2_500); // more than one backfill page
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await write(3);
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    const got: number[] = [];
    const stop = await followRunEvents(hub, storage.events, run.runId, 0, (events) =>
      got.push(...events.map((e) => e.id)),
    );
    await new Promise((r) => setTimeout(r, 100));
    writing = false;
    await writer;
    const all = (await storage.events.getEvents(run.runId)).map((e) => e.id);
    await until(() => got.length >= all.length);
    stop();
    expect(got).toEqual(all);
  });

  it('starts after the given id', async () => {
    const { storage, hub } = await setup();
    const run = await storage.runs.createRun({ jobName: 'j', origin: ORIGIN });
    const written = await storage.events.appendEvents(
      Array.from({ length: 5 }, () => ({ runId: run.runId, type: 'LOG' as const })),
    );
    const got: number[] = [];
    const stop = await followRunEvents(hub, storage.events, run.runId, written[2]!.id, (events) =>
      got.push(...events.map((e) => e.id)),
    );
    stop();
    expect(got).toEqual(written.slice(3).map((e) => e.id));
  });
});
