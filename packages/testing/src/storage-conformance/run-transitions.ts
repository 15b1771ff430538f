import {
  RUN_STATUS_EVENT_TYPES,
  RUN_STATUS_TRANSITIONS,
  RUN_STATUSES,
  type RunStatusEventType,
  TERMINAL_STATUSES,
} from 'runyard';
import { describe, expect, it } from 'vitest';
import { type GetStorage, newRun, runIn } from './fixtures.js';

export function describeRunTransitions(storage: GetStorage): void {
  describe('runs: the status machine', () => {
    // Every (event, current status) pair: legal ones move the run and log the event, the others
    // change nothing at all.
    for (const type of RUN_STATUS_EVENT_TYPES) {
      const { from, to } = RUN_STATUS_TRANSITIONS[type];
      for (const status of RUN_STATUSES) {
        if (from.includes(status)) {
          it(`${type} moves a ${status} run to ${to}`, async () => {
            const run = await runIn(storage(), status);
            const before = await storage().events.getEvents(run.runId);
            const result = await storage().runs.transition({ runId: run.runId, type, message: `to ${to}` });
            expect(result.applied).toBe(true);
            if (!result.applied) return;
            expect(result.run.status).toBe(to);
            expect(result.event).toMatchObject({ runId: run.runId, type, message: `to ${to}` });
            expect(await storage().runs.getRun(run.runId)).toEqual(result.run);
            const after = await storage().events.getEvents(run.runId);
            expect(after).toEqual([...before, result.event]);
          });
        } else {
          it(`${type} leaves a ${status} run alone`, async () => {
            const run = await runIn(storage(), status);
            const before = await storage().events.getEvents(run.runId);
            const result = await storage().runs.transition(
              { runId: run.runId, type },
              { statusReason: 'must not stick' },
            );
            expect(result).toEqual({ applied: false, run });
            expect(await storage().runs.getRun(run.runId)).toEqual(run);
            expect(await storage().events.getEvents(run.runId)).toEqual(before);
          });
        }
      }
    }

    it('narrows the legal from-statuses with `from`, and never widens them', async () => {
      const started = await runIn(storage(), 'STARTED');
      const narrowed = await storage().runs.transition(
        { runId: started.runId, type: 'RUN_CANCELED' },
        { from: ['QUEUED'] },
      );
      expect(narrowed).toEqual({ applied: false, run: started });
      const queued = await runIn(storage(), 'QUEUED');
      const widened = await storage().runs.transition(
        { runId: queued.runId, type: 'RUN_SUCCESS' },
        { from: ['QUEUED'] },
      );
      expect(widened).toEqual({ applied: false, run: queued });
      const allowed = await storage().runs.transition(
        { runId: queued.runId, type: 'RUN_CANCELED' },
        { from: ['QUEUED', 'NOT_STARTED'] },
      );
      expect(allowed.applied).toBe(true);
    });

    it('reports a run that does not exist as not applied and writes no event', async () => {
      const result = await storage().runs.transition({ runId: 'ghost', type: 'RUN_STARTING' });
      expect(result).toEqual({ applied: false, run: undefined });
      expect(await storage().events.getEvents('ghost')).toEqual([]);
    });

    it('rejects an event type that is not a run status event', async () => {
      const run = await storage().runs.createRun(newRun());
      const notStatus = { runId: run.runId, type: 'STEP_START' as RunStatusEventType };
      await expect(storage().runs.transition(notStatus)).rejects.toThrow();
      expect(await storage().runs.getRun(run.runId)).toEqual(run);
    });

    for (const status of TERMINAL_STATUSES) {
      it(`never changes a ${status} run, whatever the event or the from-set`, async () => {
        const run = await runIn(storage(), status);
        for (const type of RUN_STATUS_EVENT_TYPES) {
          const result = await storage().runs.transition({ runId: run.runId, type }, { from: [...RUN_STATUSES] });
          expect(result.applied).toBe(false);
        }
        expect(await storage().runs.getRun(run.runId)).toEqual(run);
      });
    }
  });

  describe('runs: compare-and-swap under concurrency', () => {
    it('lets exactly one of many concurrent callers apply the same transition', async () => {
      const run = await storage().runs.createRun(newRun());
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          storage().runs.transition({ runId: run.runId, type: 'RUN_STARTING', message: `caller ${i}` }),
        ),
      );
      expect(results.filter((r) => r.applied)).toHaveLength(1);
      const events = await storage().events.getEvents(run.runId, { types: ['RUN_STARTING'] });
      expect(events).toHaveLength(1);
      for (const lost of results.filter((r) => !r.applied)) expect(lost.run?.status).toBe('STARTING');
    });

    it('lets exactly one of two racing terminal events win', async () => {
      const run = await runIn(storage(), 'STARTED');
      const [success, failure] = await Promise.all([
        storage().runs.transition({ runId: run.runId, type: 'RUN_SUCCESS' }),
        storage().runs.transition({ runId: run.runId, type: 'RUN_FAILURE' }),
      ]);
      expect([success?.applied, failure?.applied].filter(Boolean)).toHaveLength(1);
      const final = await storage().runs.getRun(run.runId);
      expect(final?.status).toBe(success?.applied ? 'SUCCESS' : 'FAILURE');
    });

    it('lets a cancel and a dequeue race with one winner', async () => {
      const run = await runIn(storage(), 'QUEUED');
      const [dequeue, cancel] = await Promise.all([
        storage().runs.transition({ runId: run.runId, type: 'RUN_STARTING' }, { from: ['QUEUED'] }),
        storage().runs.transition({ runId: run.runId, type: 'RUN_CANCELED' }, { from: ['QUEUED'] }),
      ]);
      expect([dequeue?.applied, cancel?.applied].filter(Boolean)).toHaveLength(1);
    });
  });

  describe('runs: times and status reason', () => {
    it('takes the start time from RUN_START and the end time from the terminal event', async () => {
      const run = await runIn(storage(), 'STARTING');
      const started = await storage().runs.transition({ runId: run.runId, type: 'RUN_START', timestamp: 1_000_000 });
      expect(started.run).toMatchObject({ startTime: 1_000_000 });
      expect(started.run?.endTime).toBeUndefined();
      const canceling = await storage().runs.transition({
        runId: run.runId,
        type: 'RUN_CANCELING',
        timestamp: 1_000_500,
      });
      expect(canceling.run).toMatchObject({ startTime: 1_000_000 });
      expect(canceling.run?.endTime).toBeUndefined();
      const ended = await storage().runs.transition({ runId: run.runId, type: 'RUN_CANCELED', timestamp: 1_002_000 });
      expect(ended.run).toMatchObject({ status: 'CANCELED', startTime: 1_000_000, endTime: 1_002_000 });
    });

    it('uses the stored event time when the event carries none', async () => {
      const run = await runIn(storage(), 'STARTING');
      const started = await storage().runs.transition({ runId: run.runId, type: 'RUN_START' });
      expect(started.applied).toBe(true);
      if (!started.applied) return;
      expect(started.run.startTime).toBe(started.event.timestamp);
      const ended = await storage().runs.transition({ runId: run.runId, type: 'RUN_SUCCESS' });
      if (!ended.applied) throw new Error('RUN_SUCCESS was refused');
      expect(ended.run.endTime).toBe(ended.event.timestamp);
    });

    it('sets an end time but no start time for a run that fails before it starts', async () => {
      const run = await runIn(storage(), 'STARTING');
      const failed = await storage().runs.transition({ runId: run.runId, type: 'RUN_FAILURE', timestamp: 5_000 });
      expect(failed.run).toMatchObject({ status: 'FAILURE', endTime: 5_000 });
      expect(failed.run?.startTime).toBeUndefined();
    });

    it('writes the status reason when given, keeps it when undefined, clears it with null', async () => {
      const run = await storage().runs.createRun(newRun());
      const queued = await storage().runs.transition(
        { runId: run.runId, type: 'RUN_ENQUEUED' },
        { statusReason: 'waiting for a slot' },
      );
      expect(queued.run?.statusReason).toBe('waiting for a slot');
      const starting = await storage().runs.transition({ runId: run.runId, type: 'RUN_STARTING' });
      expect(starting.run?.statusReason).toBe('waiting for a slot');
      const started = await storage().runs.transition({ runId: run.runId, type: 'RUN_START' }, { statusReason: null });
      expect(started.run?.statusReason).toBeUndefined();
      const failed = await storage().runs.transition(
        { runId: run.runId, type: 'RUN_FAILURE' },
        { statusReason: 'step boom failed' },
      );
      expect((await storage().runs.getRun(run.runId))?.statusReason).toBe('step boom failed');
      expect(failed.applied).toBe(true);
    });
  });
}
