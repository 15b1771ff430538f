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
