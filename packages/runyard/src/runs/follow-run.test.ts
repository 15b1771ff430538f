import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../events/run-event.js';
import { SqliteStorage } from '../storage/sqlite/sqlite-storage.js';
import type { Storage } from '../storage/storage.js';
import { followRun } from './follow-run.js';

let storage: SqliteStorage;
let down: boolean;
let flaky: Storage;
const RUN = 'r';

beforeEach(async () => {
  storage = await SqliteStorage.open({ path: ':memory:' });
  await storage.runs.createRun({ runId: RUN, jobName: 'j', origin: { codeLocation: '/x.ts', source: 'test' } });
  await storage.runs.transition({ runId: RUN, type: 'RUN_START' });
  down = false;
  // The real storage, whose reads fail as a restarting PostgreSQL's do while `down`.
  const refuse = () =>
    Promise.reject(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }));
  flaky = {
    ...storage,
    runs: { ...storage.runs, getRun: (id: string) => (down ? refuse() : storage.runs.getRun(id)) } as Storage['runs'],
    events: {
      ...storage.events,
      getEvents: (id: string, q?: object) => (down ? refuse() : storage.events.getEvents(id, q)),
    } as Storage['events'],
  };
});
afterEach(async () => {
  await storage.dispose();
});

const log = (message: string) => storage.events.appendEvents([{ runId: RUN, type: 'LOG', message }]);

describe('followRun through a storage outage', () => {
  it('waits the outage out with a note, then goes on after the last event: none twice, none missed', async () => {
    const got: RunEvent[] = [];
    const notes: string[] = [];
    await log('before');
    const following = followRun(flaky, RUN, {
      pollMs: 5,
      retry: { initialDelayMs: 5, maxDelayMs: 20 },
      note: (line) => notes.push(line),
      onEvent: (event) => {
        got.push(event);
        if (event.message === 'before') down = true;
      },
    });
    await new Promise((r) => setTimeout(r, 100));
    await log('during');
    await storage.runs.transition({ runId: RUN, type: 'RUN_SUCCESS' });
    down = false;
    const run = await following;
    expect(run?.status).toBe('SUCCESS');
    expect(got.map((e) => (e.type === 'LOG' ? e.message : e.type))).toEqual([
      'RUN_START',
      'before',
      'during',
      'RUN_SUCCESS',
    ]);
    expect(notes).toEqual([
      `runyard: storage is not answering (terminating connection due to administrator command); following run ${RUN} waits for it`,
      `runyard: storage is back; following run ${RUN} goes on`,
    ]);
  });

  it('stops quietly when asked to while storage is down', async () => {
    const stop = new AbortController();
    down = true;
    const following = followRun(flaky, RUN, { signal: stop.signal, retry: { initialDelayMs: 5 }, onEvent: () => {} });
    await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    await expect(following).resolves.toBeUndefined();
  });
});
