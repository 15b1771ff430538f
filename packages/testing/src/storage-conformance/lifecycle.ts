import { describe, expect, it } from 'vitest';
import { type GetStorage, newRun } from './fixtures.js';

export function describeLifecycle(storage: GetStorage): void {
  describe('lifecycle', () => {
    it('is fully migrated, and migrating again changes nothing', async () => {
      const info = await storage().info();
      expect(info.schemaVersion).toBe(info.latestSchemaVersion);
      const run = await storage().runs.createRun(newRun());
      for (let i = 0; i < 2; i++) {
        expect(await storage().migrate()).toEqual({
          from: info.latestSchemaVersion,
          to: info.latestSchemaVersion,
          applied: [],
        });
      }
      expect(await storage().runs.getRun(run.runId)).toEqual(run);
    });

    it('migrates safely when called concurrently', async () => {
      const results = await Promise.all([storage().migrate(), storage().migrate(), storage().migrate()]);
      for (const result of results) expect(result.applied).toEqual([]);
    });

    it('describes itself, and its config names the same class', async () => {
      const info = await storage().info();
      expect(info.kind).toMatch(/\S/);
      expect(info.location).toBeTypeOf('string');
      expect(info.latestSchemaVersion).toBeGreaterThanOrEqual(1);
      const config = storage().toConfig();
      expect(config.class).toBe(info.kind);
      expect(JSON.parse(JSON.stringify(config))).toEqual(config);
    });

    it('disposes idempotently, and refuses calls afterwards with a message', async () => {
      const target = storage();
      await target.dispose();
      await target.dispose();
      await expect(target.runs.getRun('any')).rejects.toThrow(/\S/);
      await expect(target.runs.createRun(newRun())).rejects.toThrow(/\S/);
      await expect(target.events.appendEvents([{ runId: 'any', type: 'LOG' }])).rejects.toThrow(/\S/);
      await expect(target.schedules.listScheduleStates()).rejects.toThrow(/\S/);
      await expect(target.daemon.getHeartbeats()).rejects.toThrow(/\S/);
      await expect(target.info()).rejects.toThrow(/\S/);
    });
  });
}
