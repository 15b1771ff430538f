import { type EventQuery, type NewRunEvent, RUN_STATUS_EVENT_TYPES, RunNotFoundError, toErrorInfo } from 'runyard';
import { describe, expect, it } from 'vitest';
import { type GetStorage, newRun, runIn } from './fixtures.js';

export function describeEventLog(storage: GetStorage): void {
  describe('event log', () => {
    it('appends in order, with ids that grow across the whole log', async () => {
      const a = await storage().runs.createRun(newRun());
      const b = await storage().runs.createRun(newRun());
      const first = await storage().events.appendEvents([
        { runId: a.runId, type: 'LOG', message: 'a1' },
        { runId: a.runId, type: 'LOG', message: 'a2' },
      ]);
      const second = await storage().events.appendEvents([{ runId: b.runId, type: 'LOG', message: 'b1' }]);
      const third = await storage().events.appendEvents([{ runId: a.runId, type: 'LOG', message: 'a3' }]);
      const all = [...first, ...second, ...third];
      const idsInOrder = all.map((e) => e.id);
      expect(idsInOrder).toEqual([...idsInOrder].sort((x, y) => x - y));
      expect(new Set(idsInOrder).size).toBe(4);
      expect((await storage().events.getEvents(a.runId)).map((e) => e.message)).toEqual(['a1', 'a2', 'a3']);
      expect(await storage().events.getEvents(b.runId)).toEqual(second);
      expect(await storage().events.getLatestEventId()).toBe(third[0]?.id);
    });

    it('reports 0 as the latest event id of an empty log, and [] for an empty batch', async () => {
      expect(await storage().events.getLatestEventId()).toBe(0);
      expect(await storage().events.appendEvents([])).toEqual([]);
    });

    it('stores every field, and fills in timestamp, level and message', async () => {
      const run = await storage().runs.createRun(newRun());
      const full: NewRunEvent = {
        runId: run.runId,
        type: 'STEP_OUTPUT',
        timestamp: 1_700_000_000_123,
        level: 'debug',
        stepKey: 'greet',
        message: 'output ready',
        data: { output: 'result', value: { nested: [1, 'two', null, true] } },
      };
      const [stored, bare] = await storage().events.appendEvents([full, { runId: run.runId, type: 'ENGINE_EVENT' }]);
      expect(stored).toEqual({ ...full, id: stored?.id });
      expect(bare).toMatchObject({ runId: run.runId, type: 'ENGINE_EVENT', level: 'info', message: '' });
      expect(bare?.timestamp).toBeTypeOf('number');
      expect(bare?.stepKey).toBeUndefined();
      expect(bare?.data).toBeUndefined();
      expect(bare?.error).toBeUndefined();
      expect(await storage().events.getEvents(run.runId)).toEqual([stored, bare]);
    });

    it('round-trips error info with its cause chain and data', async () => {
      const run = await storage().runs.createRun(newRun());
      const error = toErrorInfo(new Error('step failed', { cause: new RunNotFoundError('upstream-run') }));
      expect(error.cause?.name).toBe('RunNotFoundError');
      const [stored] = await storage().events.appendEvents([
        { runId: run.runId, type: 'STEP_FAILURE', stepKey: 'load', level: 'error', message: 'boom', error },
      ]);
      expect(stored?.error).toEqual(error);
      const [read] = await storage().events.getEvents(run.runId);
      expect(read?.error).toEqual(error);
      expect(read?.error?.cause).toMatchObject({ name: 'RunNotFoundError', data: { runId: 'upstream-run' } });
    });

    it('queries by afterId, limit, types and step key', async () => {
      const run = await storage().runs.createRun(newRun());
      const other = await storage().runs.createRun(newRun());
      const events = await storage().events.appendEvents([
        { runId: run.runId, type: 'STEP_START', stepKey: 'a' },
        { runId: other.runId, type: 'STEP_START', stepKey: 'a' },
        { runId: run.runId, type: 'LOG', stepKey: 'a', message: 'hello' },
        { runId: run.runId, type: 'STEP_SUCCESS', stepKey: 'a' },
        { runId: run.runId, type: 'STEP_START', stepKey: 'b' },
        { runId: run.runId, type: 'STEP_FAILURE', stepKey: 'b' },
        { runId: run.runId, type: 'ENGINE_EVENT', message: 'done' },
      ]);
      const ofRun = events.filter((e) => e.runId === run.runId);
      const id = (i: number): number => ofRun[i]?.id ?? -1;
      const get = (query: EventQuery) => storage().events.getEvents(run.runId, query);

      expect(await get({})).toEqual(ofRun);
      expect(await get({ afterId: id(2) })).toEqual(ofRun.slice(3));
      expect(await get({ afterId: id(5) })).toEqual([]);
      expect(await get({ limit: 2 })).toEqual(ofRun.slice(0, 2));
      expect(await get({ afterId: id(0), limit: 2 })).toEqual(ofRun.slice(1, 3));
      expect((await get({ types: ['STEP_START'] })).map((e) => e.stepKey)).toEqual(['a', 'b']);
      expect(await get({ types: ['STEP_SUCCESS', 'STEP_FAILURE'] })).toEqual([ofRun[2], ofRun[4]]);
      expect(await get({ types: [] })).toEqual([]);
      expect((await get({ stepKey: 'a' })).map((e) => e.type)).toEqual(['STEP_START', 'LOG', 'STEP_SUCCESS']);
      expect(await get({ stepKey: 'b', types: ['STEP_FAILURE'] })).toEqual([ofRun[4]]);
      expect(await get({ stepKey: 'b', afterId: id(4) })).toEqual([]);
    });

    it('reads on across every run from a cursor, by type, with a limit', async () => {
      const a = await storage().runs.createRun(newRun());
      const b = await storage().runs.createRun(newRun());
      const cursor = await storage().events.getLatestEventId();
      await storage().runs.transition({ runId: a.runId, type: 'RUN_START' });
      await storage().events.appendEvents([{ runId: b.runId, type: 'LOG', message: 'b' }]);
      await storage().runs.transition({ runId: b.runId, type: 'RUN_FAILURE' });
      await storage().events.appendEvents([{ runId: a.runId, type: 'STEP_START', stepKey: 's' }]);
      await storage().runs.transition({ runId: a.runId, type: 'RUN_FAILURE' });

      const all = await storage().events.getEventsAfter(cursor);
      expect(all.map((e) => [e.runId, e.type])).toEqual([
        [a.runId, 'RUN_START'],
        [b.runId, 'LOG'],
        [b.runId, 'RUN_FAILURE'],
        [a.runId, 'STEP_START'],
        [a.runId, 'RUN_FAILURE'],
      ]);
      const failures = await storage().events.getEventsAfter(cursor, { types: ['RUN_FAILURE'] });
      expect(failures.map((e) => e.runId)).toEqual([b.runId, a.runId]);
      expect(await storage().events.getEventsAfter(cursor, { types: ['RUN_FAILURE'], limit: 1 })).toEqual([
        failures[0],
      ]);
      expect(await storage().events.getEventsAfter(failures[0]?.id ?? -1, { types: ['RUN_FAILURE'] })).toEqual([
        failures[1],
      ]);
      expect(await storage().events.getEventsAfter(await storage().events.getLatestEventId())).toEqual([]);
      expect(await storage().events.getEventsAfter(cursor, { types: [] })).toEqual([]);
    });

    it('interleaves status events from transitions with appended events, in id order', async () => {
      const run = await storage().runs.createRun(newRun());
      await storage().runs.transition({ runId: run.runId, type: 'RUN_START' });
      await storage().events.appendEvents([{ runId: run.runId, type: 'STEP_START', stepKey: 's' }]);
      await storage().runs.transition({ runId: run.runId, type: 'RUN_SUCCESS' });
      const events = await storage().events.getEvents(run.runId);
      expect(events.map((e) => e.type)).toEqual(['RUN_START', 'STEP_START', 'RUN_SUCCESS']);
      expect(events.map((e) => e.id)).toEqual(events.map((e) => e.id).sort((x, y) => x - y));
      expect(await storage().events.getLatestEventId()).toBe(events.at(-1)?.id);
    });

    for (const type of RUN_STATUS_EVENT_TYPES) {
      it(`refuses to append the status event ${type}, and writes none of its batch`, async () => {
        const run = await runIn(storage(), 'NOT_STARTED');
        const batch: NewRunEvent[] = [
          { runId: run.runId, type: 'LOG', message: 'before' },
          { runId: run.runId, type },
        ];
        await expect(storage().events.appendEvents(batch)).rejects.toThrow(new RegExp(type));
        expect(await storage().events.getEvents(run.runId)).toEqual([]);
        expect(await storage().runs.getRun(run.runId)).toEqual(run);
      });
    }
  });
}
