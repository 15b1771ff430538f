import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startApiHarness } from '../fixtures/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('schedules', () => {
  it('lists, starts and stops a schedule, with its next tick while running', async () => {
    const listed = (await h.api('GET', '/api/schedules')).body.schedules;
    expect(listed).toEqual([
      expect.objectContaining({
        name: 'hourly_greeting',
        jobName: 'greeting',
        cron: '0 * * * *',
        status: 'STOPPED',
        recentTicks: [],
      }),
    ]);
    expect(listed[0].nextTickAt).toBeUndefined();
    const started = await h.api('POST', '/api/schedules/hourly_greeting/start');
    expect(started.status).toBe(200);
    expect(started.body.schedule.status).toBe('RUNNING');
    expect(started.body.schedule.nextTickAt).toBeGreaterThan(Date.now());
    expect((await h.instance.storage.schedules.getScheduleState('hourly_greeting'))?.status).toBe('RUNNING');
    const stopped = await h.api('POST', '/api/schedules/hourly_greeting/stop');
    expect(stopped.body.schedule.status).toBe('STOPPED');
    expect((await h.api('GET', '/api/schedules/hourly_greeting/ticks')).body).toEqual({ ticks: [] });
  });

  it('shows recorded ticks, newest first', async () => {
    const ticks = h.instance.storage.schedules;
    const { tick } = await ticks.createTick({ scheduleName: 'hourly_greeting', tickAt: 1_000 });
    await ticks.updateTick(tick.id, { status: 'SKIPPED', skipReason: 'a run for this tick exists' });
    await ticks.createTick({ scheduleName: 'hourly_greeting', tickAt: 2_000 });
    const listed = (await h.api('GET', '/api/schedules/hourly_greeting/ticks?limit=5')).body.ticks;
    expect(listed.map((t: { tickAt: number }) => t.tickAt)).toEqual([2_000, 1_000]);
    expect(listed[1]).toMatchObject({ status: 'SKIPPED', skipReason: 'a run for this tick exists' });
    expect((await h.api('GET', '/api/schedules')).body.schedules[0].recentTicks).toHaveLength(2);
  });

  it('answers 404 for an unknown schedule', async () => {
    for (const [method, route] of [
      ['POST', '/api/schedules/nope/start'],
      ['POST', '/api/schedules/nope/stop'],
      ['GET', '/api/schedules/nope/ticks'],
    ] as const) {
      const { status, body } = await h.api(method, route);
      expect(status, route).toBe(404);
      expect(body.error.message).toMatch(/schedule 'nope' was not found/);
    }
  });
});

describe('instance and daemon', () => {
  it('shows the instance: storage, components and settings', async () => {
    const { status, body } = await h.api('GET', '/api/instance');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      home: h.home,
      configFile: null,
      storage: { kind: 'SqliteStorage', schemaVersion: expect.any(Number) },
      codeLocation: expect.stringMatching(/api-jobs\.ts$/),
      config: {
        runLauncher: { class: 'ProcessRunLauncher' },
        runCoordinator: { class: 'ImmediateRunCoordinator' },
        storage: { class: 'SqliteStorage' },
        computeLogs: { class: 'LocalComputeLogManager' },
      },
    });
  });

  it('says no daemon holds the lease when none runs, and shows heartbeats when one does', async () => {
    expect((await h.api('GET', '/api/daemon')).body).toEqual({ lease: null, daemons: [], processes: [] });
    await h.instance.storage.daemon.recordHeartbeat({
      daemonType: 'QUEUE',
      daemonId: 'host:1:abc',
      timestamp: Date.now(),
      errors: [{ name: 'Error', message: 'queue is sad' }],
    });
    await h.instance.storage.daemon.acquireLease('runyard-daemon', 'host:1:abc', 60_000);
    const { body } = await h.api('GET', '/api/daemon');
    expect(body.lease).toMatchObject({ holder: 'host:1:abc' });
    expect(body.daemons).toEqual([
      expect.objectContaining({ type: 'QUEUE', healthy: true, latestError: 'Error: queue is sad', errorCount: 1 }),
    ]);
  });
});
