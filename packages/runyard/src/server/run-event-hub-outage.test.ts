import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../events/run-event.js';
import type { EventLogStorage } from '../storage/event-log-storage.js';
import { SqliteStorage } from '../storage/sqlite/sqlite-storage.js';
import { followRunEvents } from './follow-run-events.js';
import { RunEventHub, type StorageState } from './run-event-hub.js';

const opened: Array<{ dispose(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.dispose();
});

/** The real SQLite event log, unreachable (ECONNREFUSED, as from a stopped PostgreSQL) while `down`. */
async function setup() {
  const storage = await SqliteStorage.open({ path: ':memory:' });
  const state = { down: false };
  const guard = <T>(read: () => Promise<T>) =>
    state.down ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) : read();
  const events: EventLogStorage = {
    appendEvents: (list) => storage.events.appendEvents(list),
    getEvents: (runId, query) => guard(() => storage.events.getEvents(runId, query)),
    getLatestEventId: () => guard(() => storage.events.getLatestEventId()),
    getEventsAfter: (afterId, query) => guard(() => storage.events.getEventsAfter(afterId, query)),
  };
  const errors: unknown[] = [];
  const hub = new RunEventHub(events, { pollIntervalMs: 10, onError: (error) => errors.push(error) });
  opened.push(storage, { dispose: () => hub.close() });
  await storage.runs.createRun({ runId: 'r', jobName: 'j', origin: { codeLocation: '/x.ts', source: 'test' } });
  const log = (n: number, from: number) =>
    storage.events.appendEvents(
      Array.from({ length: n }, (_, i) => ({ runId: 'r', type: 'LOG' as const, message: `line ${from + i}` })),
    );
  return { storage, events, hub, state, errors, log };
}

const until = async (check: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('the UI event stream through a storage outage', () => {
  it('opens while storage is down, says so, and delivers every event once when it is back', async () => {
    const { events, hub, state, errors, log } = await setup();
    await log(3, 0);
    const states: StorageState[] = [];
    hub.onStorageState((s) => states.push(s));
    const got: RunEvent[] = [];
    state.down = true;
    // A browser tab opens the stream in the middle of the outage: it waits instead of failing.
    const following = followRunEvents(hub, events, 'r', 0, (list) => got.push(...list));
    await log(4, 3);
    state.down = false;
    const stop = await following;
    await until(() => got.length === 7);

    // And a second outage while the stream is open: the hub says so, then catches up.
    state.down = true;
    await until(() => states.length === 1);
    await log(5, 7);
    state.down = false;
    await until(() => got.length === 12);
    stop();

    expect(got.map((e) => e.message)).toEqual(Array.from({ length: 12 }, (_, i) => `line ${i}`));
    expect(new Set(got.map((e) => e.id)).size).toBe(12);
    expect(states).toEqual([{ available: false, reason: 'connect ECONNREFUSED' }, { available: true }]);
    expect(errors).toEqual([]);
  });
});
