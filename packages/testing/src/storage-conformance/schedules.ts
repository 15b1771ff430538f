import { describe, expect, it } from 'vitest';
import { byName, type GetStorage } from './fixtures.js';

export function describeScheduleStorage(storage: GetStorage): void {
  describe('schedules: state', () => {
    it('upserts the state per schedule name', async () => {
      const schedules = storage().schedules;
      expect(await schedules.getScheduleState('nightly')).toBeUndefined();
      const started = await schedules.setScheduleState({ name: 'nightly', status: 'RUNNING' });
      expect(started).toMatchObject({ name: 'nightly', status: 'RUNNING' });
      expect(started.updatedAt).toBeTypeOf('number');
      expect(started.lastTickAt).toBeUndefined();

      const ticked = await schedules.setScheduleState({ name: 'nightly', status: 'RUNNING', lastTickAt: 86_400_000 });
      expect(ticked).toMatchObject({ name: 'nightly', status: 'RUNNING', lastTickAt: 86_400_000 });
      expect(ticked.updatedAt).toBeGreaterThanOrEqual(started.updatedAt);
      await schedules.setScheduleState({ name: 'hourly', status: 'STOPPED' });

      expect(await schedules.getScheduleState('nightly')).toEqual(ticked);
      const states = byName(await schedules.listScheduleStates());
      expect(states.map((s) => [s.name, s.status])).toEqual([
        ['hourly', 'STOPPED'],
        ['nightly', 'RUNNING'],
      ]);
    });
  });

  describe('schedules: code location and lastTickAt', () => {
    it('keeps the code location a schedule was started from, and clears it when a set leaves it out', async () => {
      const schedules = storage().schedules;
      const started = await schedules.setScheduleState({
        name: 'nightly',
        status: 'RUNNING',
        lastTickAt: 1_000,
        codeLocation: '/srv/defs/nightly.ts',
      });
      expect(started).toMatchObject({ codeLocation: '/srv/defs/nightly.ts', lastTickAt: 1_000 });
      expect(await schedules.getScheduleState('nightly')).toEqual(started);
      const bare = await schedules.setScheduleState({ name: 'nightly', status: 'STOPPED' });
      expect(bare.codeLocation).toBeUndefined();
      expect(bare.lastTickAt).toBeUndefined();
    });

    it('advances lastTickAt of a running schedule forward only', async () => {
      const schedules = storage().schedules;
      await schedules.setScheduleState({ name: 'nightly', status: 'RUNNING', codeLocation: 'pipelines' });
      const first = await schedules.advanceLastTickAt('nightly', 2_000);
      expect(first.advanced).toBe(true);
      expect(first.state).toMatchObject({ status: 'RUNNING', lastTickAt: 2_000, codeLocation: 'pipelines' });
      expect(await schedules.advanceLastTickAt('nightly', 1_000)).toEqual({ advanced: false, state: first.state });
      expect((await schedules.advanceLastTickAt('nightly', 2_000)).advanced).toBe(false);
      expect((await schedules.advanceLastTickAt('nightly', 3_000)).state?.lastTickAt).toBe(3_000);
    });

    it('does not advance a stopped or unknown schedule', async () => {
      const schedules = storage().schedules;
      const stopped = await schedules.setScheduleState({ name: 'nightly', status: 'STOPPED', lastTickAt: 1_000 });
      expect(await schedules.advanceLastTickAt('nightly', 5_000)).toEqual({ advanced: false, state: stopped });
      expect(await schedules.advanceLastTickAt('never-started', 5_000)).toEqual({ advanced: false, state: undefined });
    });

    it('lets exactly one of many concurrent schedulers advance to one time', async () => {
      const schedules = storage().schedules;
      await schedules.setScheduleState({ name: 'race', status: 'RUNNING', lastTickAt: 0 });
      const results = await Promise.all(
        Array.from({ length: 6 }, () => storage().schedules.advanceLastTickAt('race', 42)),
      );
      expect(results.filter((r) => r.advanced)).toHaveLength(1);
      expect((await schedules.getScheduleState('race'))?.lastTickAt).toBe(42);
    });
  });

  describe('schedules: ticks', () => {
    it('creates one tick per schedule and time, and hands back the existing one after that', async () => {
      const schedules = storage().schedules;
      const first = await schedules.createTick({ scheduleName: 'nightly', tickAt: 1_000 });
      expect(first.created).toBe(true);
      expect(first.tick).toMatchObject({ scheduleName: 'nightly', tickAt: 1_000, status: 'STARTED', runIds: [] });
      expect(first.tick.id).toBeTypeOf('number');

      const again = await schedules.createTick({ scheduleName: 'nightly', tickAt: 1_000 });
      expect(again).toEqual({ tick: first.tick, created: false });

      const later = await schedules.createTick({ scheduleName: 'nightly', tickAt: 2_000 });
      const otherSchedule = await schedules.createTick({ scheduleName: 'hourly', tickAt: 1_000 });
      expect(later.created).toBe(true);
      expect(otherSchedule.created).toBe(true);
      expect(new Set([first.tick.id, later.tick.id, otherSchedule.tick.id]).size).toBe(3);
    });

    it('lets exactly one of many concurrent creators create the tick', async () => {
      const results = await Promise.all(
        Array.from({ length: 6 }, () => storage().schedules.createTick({ scheduleName: 'race', tickAt: 42 })),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.tick.id)).size).toBe(1);
      expect(await storage().schedules.listTicks('race')).toHaveLength(1);
    });

    it('updates only the fields in the patch', async () => {
      const schedules = storage().schedules;
      const { tick } = await schedules.createTick({ scheduleName: 'nightly', tickAt: 1_000 });
      const success = await schedules.updateTick(tick.id, { status: 'SUCCESS', runIds: ['run-a', 'run-b'] });
      expect(success).toMatchObject({ id: tick.id, status: 'SUCCESS', runIds: ['run-a', 'run-b'], tickAt: 1_000 });
      expect(success?.updatedAt).toBeGreaterThanOrEqual(tick.updatedAt);
      expect(success?.createdAt).toBe(tick.createdAt);
      const failed = await schedules.updateTick(tick.id, { status: 'FAILURE', error: 'evaluation threw' });
      expect(failed).toMatchObject({ status: 'FAILURE', error: 'evaluation threw', runIds: ['run-a', 'run-b'] });
      expect(failed?.skipReason).toBeUndefined();

      const { tick: other } = await schedules.createTick({ scheduleName: 'nightly', tickAt: 2_000 });
      const skipped = await schedules.updateTick(other.id, { status: 'SKIPPED', skipReason: 'should_execute said no' });
      expect(skipped).toMatchObject({ status: 'SKIPPED', skipReason: 'should_execute said no', runIds: [] });
      expect(await schedules.updateTick(999_999, { status: 'SUCCESS' })).toBeUndefined();
    });

    it("lists one schedule's ticks newest first, with a limit", async () => {
      const schedules = storage().schedules;
      for (const tickAt of [3_000, 1_000, 2_000]) await schedules.createTick({ scheduleName: 'nightly', tickAt });
      await schedules.createTick({ scheduleName: 'hourly', tickAt: 5_000 });
      expect((await schedules.listTicks('nightly')).map((t) => t.tickAt)).toEqual([3_000, 2_000, 1_000]);
      expect((await schedules.listTicks('nightly', { limit: 2 })).map((t) => t.tickAt)).toEqual([3_000, 2_000]);
      expect(await schedules.listTicks('never-ticked')).toEqual([]);
    });
  });
}
