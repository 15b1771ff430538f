import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CodeLocation } from '../../code-location/load-code-location.js';
import { defineDefinitions } from '../../definitions/definitions.js';
import { job } from '../../definitions/job.js';
import { op } from '../../definitions/op.js';
import { type ScheduleSpec, schedule } from '../../definitions/schedule.js';
import type { Instance } from '../../instance/instance.js';
import { memoryLocation, queueingHome } from './__fixtures__/test-instance.js';
import { MISSED_REASON } from './plan-ticks.js';
import { startSchedule, stopSchedule } from './schedule-control.js';
import { SCHEDULE_NAME_TAG, scheduleTickRunId, TICK_AT_TAG } from './schedule-tags.js';
import { Scheduler } from './scheduler.js';

const at = (iso: string) => Date.parse(iso);
const MIN = 60_000;
const T0 = at('2024-06-01T10:00:30Z');

const count = op({ name: 'count', config: z.object({ n: z.number() }), run: (ctx) => ctx.config.n });
const counting = job({ name: 'counting', graph: () => void count() });
const config = (n: number) => ({ ops: { count: { config: { n } } } });

function location(...specs: Omit<ScheduleSpec, 'job'>[]): CodeLocation {
  return memoryLocation(
    'memory:schedules',
    defineDefinitions({
      jobs: [counting],
      schedules: specs.map((s) => schedule({ job: counting, runConfig: config(1), ...s })),
    }),
  );
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** An instance that queues runs, a clock the test moves, and a scheduler on both. */
async function setup(
  loc: CodeLocation,
  options: { load?: (target: string) => Promise<CodeLocation>; graceMs?: number } = {},
) {
  const home = queueingHome();
  cleanups.push(home.cleanup);
  const instance = await home.open();
  const clock = { now: T0 };
  const scheduler = (on: Instance = instance) =>
    new Scheduler(on, {
      now: () => clock.now,
      // Generous unless a test is about missed ticks: the clock jumps minutes at a time.
      missedTickGraceMs: options.graceMs ?? 10 * MIN,
      loadCodeLocation: options.load ?? (async () => loc),
    });
  return { home, instance, clock, scheduler };
}

async function ticksOf(instance: Instance, name: string) {
  return (await instance.storage.schedules.listTicks(name)).reverse();
}

describe('Scheduler', () => {
  it('submits one run per due tick, with the schedule tags and a run id derived from the tick', async () => {
    const seen: string[] = [];
    const loc = location({
      name: 'every_minute',
      cron: '* * * * *',
      tags: { team: 'data' },
      runConfig: ({ scheduledTime }) => {
        seen.push(scheduledTime.toISOString());
        return config(scheduledTime.getUTCMinutes());
      },
    });
    const { instance, clock, scheduler } = await setup(loc);
    await startSchedule(instance, loc, 'every_minute', T0);
    const s = scheduler();

    expect(await s.evaluate()).toEqual([]);
    clock.now = T0 + 2 * MIN;
    const outcomes = await s.evaluate();
    const tick1 = at('2024-06-01T10:01:00Z');
    const tick2 = at('2024-06-01T10:02:00Z');
    expect(outcomes).toEqual([
      {
        scheduleName: 'every_minute',
        tickAt: tick1,
        status: 'SUCCESS',
        runIds: [scheduleTickRunId('every_minute', tick1)],
        decidedNow: true,
      },
      {
        scheduleName: 'every_minute',
        tickAt: tick2,
        status: 'SUCCESS',
        runIds: [scheduleTickRunId('every_minute', tick2)],
        decidedNow: true,
      },
    ]);
    expect(seen).toEqual(['2024-06-01T10:01:00.000Z', '2024-06-01T10:02:00.000Z']);
    const run = await instance.storage.runs.getRun(scheduleTickRunId('every_minute', tick2));
    expect(run).toMatchObject({
      status: 'QUEUED',
      jobName: 'counting',
      runConfig: config(2),
      origin: { codeLocation: 'memory:schedules', source: 'schedule' },
      tags: { team: 'data', [SCHEDULE_NAME_TAG]: 'every_minute', [TICK_AT_TAG]: '2024-06-01T10:02:00.000Z' },
    });
    expect((await instance.storage.schedules.getScheduleState('every_minute'))?.lastTickAt).toBe(tick2);

    // Nothing new is due: nothing happens, however often it looks.
    expect(await s.evaluate()).toEqual([]);
    expect(await instance.storage.runs.countRuns()).toBe(2);
  });

  it('makes one run per tick when two schedulers on two connections evaluate at once', async () => {
    const loc = location({ name: 'every_second', cron: '* * * * * *' });
    const { home, instance, clock, scheduler } = await setup(loc);
    await startSchedule(instance, loc, 'every_second', T0);
    const other = await home.open();
    const [a, b] = [scheduler(instance), scheduler(other)];
    for (let step = 1; step <= 5; step++) {
      clock.now = T0 + step * 7_000;
      await Promise.all([a.evaluate(), b.evaluate(), a.evaluate()]);
    }
    const ticks = await ticksOf(instance, 'every_second');
    expect(ticks).toHaveLength(35);
    expect(ticks.every((t) => t.status === 'SUCCESS' && t.runIds.length === 1)).toBe(true);
    expect(await instance.storage.runs.countRuns()).toBe(35);
    const runs = await instance.storage.runs.listRuns();
    expect(new Set(runs.map((r) => r.tags[TICK_AT_TAG])).size).toBe(35);
    expect(runs.every((r) => r.status === 'QUEUED')).toBe(true);
  });

  it('finishes a tick that a crashed daemon left half done, without a second run', async () => {
    const loc = location({ name: 'every_minute', cron: '* * * * *' });
    const { instance, clock, scheduler } = await setup(loc);
    await startSchedule(instance, loc, 'every_minute', T0);
    const tick1 = at('2024-06-01T10:01:00Z');
    const tick2 = at('2024-06-01T10:02:00Z');
    // Tick 1: the daemon died after creating the run, before handing it to the coordinator.
    await instance.storage.schedules.createTick({ scheduleName: 'every_minute', tickAt: tick1 });
    await instance.storage.runs.createRun({
      runId: scheduleTickRunId('every_minute', tick1),
      jobName: 'counting',
      runConfig: config(1),
      origin: { codeLocation: 'memory:schedules', source: 'schedule' },
    });
    // Tick 2: it died after submitting the run, before recording the tick.
    await instance.storage.schedules.createTick({ scheduleName: 'every_minute', tickAt: tick2 });
    await instance.storage.runs.createRun({
      runId: scheduleTickRunId('every_minute', tick2),
      jobName: 'counting',
      origin: { codeLocation: 'memory:schedules', source: 'schedule' },
    });
    await instance.storage.runs.transition({ runId: scheduleTickRunId('every_minute', tick2), type: 'RUN_ENQUEUED' });

    clock.now = T0 + 2 * MIN;
    const outcomes = await scheduler().evaluate();
    expect(outcomes.map((o) => [o.tickAt, o.status, o.runIds])).toEqual([
      [tick1, 'SUCCESS', [scheduleTickRunId('every_minute', tick1)]],
      [tick2, 'SUCCESS', [scheduleTickRunId('every_minute', tick2)]],
    ]);
    expect(await instance.storage.runs.countRuns()).toBe(2);
    // The orphaned run was submitted now.
    expect((await instance.storage.runs.getRun(scheduleTickRunId('every_minute', tick1)))?.status).toBe('QUEUED');
  });

  it('keeps the run of a half-done tick even when the tick counts as missed by the time it is seen again', async () => {
    const loc = location({ name: 'every_minute', cron: '* * * * *' });
    const { instance, clock, scheduler } = await setup(loc, { graceMs: 60_000 });
    await startSchedule(instance, loc, 'every_minute', T0);
    const tick1 = at('2024-06-01T10:01:00Z');
    await instance.storage.schedules.createTick({ scheduleName: 'every_minute', tickAt: tick1 });
    await instance.storage.runs.createRun({
      runId: scheduleTickRunId('every_minute', tick1),
      jobName: 'counting',
      runConfig: config(1),
      origin: { codeLocation: 'memory:schedules', source: 'schedule' },
    });
    clock.now = T0 + 10 * MIN;
    await scheduler().evaluate();
    const ticks = await ticksOf(instance, 'every_minute');
    expect(ticks.map((t) => t.status)).toEqual(['SUCCESS', ...Array(8).fill('SKIPPED'), 'SUCCESS']);
    expect(ticks[0]?.runIds).toEqual([scheduleTickRunId('every_minute', tick1)]);
    expect((await instance.storage.runs.getRun(scheduleTickRunId('every_minute', tick1)))?.status).toBe('QUEUED');
    expect(await instance.storage.runs.countRuns()).toBe(2);
  });

  it('after downtime runs the latest missed tick and records the others SKIPPED (catchUp: latest)', async () => {
    const loc = location(
      { name: 'latest', cron: '* * * * *' },
      { name: 'all', cron: '* * * * *', catchUp: 'all' },
      { name: 'none', cron: '* * * * *', catchUp: 'none' },
    );
    const { instance, clock, scheduler } = await setup(loc, { graceMs: 60_000 });
    for (const name of ['latest', 'all', 'none']) await startSchedule(instance, loc, name, T0);
    clock.now = T0 + 10 * MIN; // 10:10:30, ten ticks due; 10:10 is 30 s late, on time
    await scheduler().evaluate();

    const latest = await ticksOf(instance, 'latest');
    expect(latest.map((t) => t.status)).toEqual([...Array(9).fill('SKIPPED'), 'SUCCESS']);
    expect(latest[0]?.skipReason).toBe(MISSED_REASON);
    expect((await ticksOf(instance, 'all')).map((t) => t.status)).toEqual(Array(10).fill('SUCCESS'));
    expect((await ticksOf(instance, 'none')).map((t) => t.status)).toEqual([...Array(9).fill('SKIPPED'), 'SUCCESS']);
    expect(await instance.storage.runs.countRuns()).toBe(1 + 10 + 1);

    // Downtime with no tick on time: latest still runs the most recent one; none runs nothing.
    clock.now = at('2024-06-01T10:20:50Z');
    const s = new Scheduler(instance, {
      now: () => clock.now,
      missedTickGraceMs: 20_000,
      loadCodeLocation: async () => loc,
    });
    await s.evaluate();
    expect((await ticksOf(instance, 'latest')).slice(10).map((t) => t.status)).toEqual([
      ...Array(9).fill('SKIPPED'),
      'SUCCESS',
    ]);
    expect((await ticksOf(instance, 'none')).slice(10).map((t) => t.status)).toEqual(Array(10).fill('SKIPPED'));
  });

  it('records FAILURE when runConfig throws or gives config the job refuses, and goes on ticking', async () => {
    let calls = 0;
    const loc = location(
      {
        name: 'throws',
        cron: '* * * * *',
        runConfig: () => {
          calls += 1;
          throw new Error(`the warehouse is closed (call ${calls})`);
        },
      },
      { name: 'bad_config', cron: '* * * * *', runConfig: { ops: { count: { config: { n: 'many' } } } } },
    );
    const { instance, clock, scheduler } = await setup(loc);
    await startSchedule(instance, loc, 'throws', T0);
    await startSchedule(instance, loc, 'bad_config', T0);
    clock.now = T0 + 2 * MIN;
    await scheduler().evaluate();

    const thrown = await ticksOf(instance, 'throws');
    expect(thrown.map((t) => [t.status, t.runIds])).toEqual([
      ['FAILURE', []],
      ['FAILURE', []],
    ]);
    expect(thrown[1]?.error).toContain('the warehouse is closed (call 2)');
    const refused = await ticksOf(instance, 'bad_config');
    expect(refused.every((t) => t.status === 'FAILURE')).toBe(true);
    expect(refused[0]?.error).toContain('ops.count.config.n');
    expect(await instance.storage.runs.countRuns()).toBe(0);
    expect((await instance.storage.schedules.getScheduleState('throws'))?.lastTickAt).toBe(at('2024-06-01T10:02:00Z'));
  });

  it('records FAILURE while the code location fails to load, with the cron it last loaded', async () => {
    const loc = location({ name: 'every_minute', cron: '* * * * *' });
    let broken = false;
    const load = async () => {
      if (broken) throw new Error('SyntaxError: Unexpected token in defs.ts:3');
      return loc;
    };
    const { instance, clock, scheduler } = await setup(loc, { load });
    await startSchedule(instance, loc, 'every_minute', T0);
    const s = scheduler();
    clock.now = T0 + MIN;
    await s.evaluate();
    broken = true;
    clock.now = T0 + 2 * MIN;
    await s.evaluate();
    const ticks = await ticksOf(instance, 'every_minute');
    expect(ticks.map((t) => t.status)).toEqual(['SUCCESS', 'FAILURE']);
    expect(ticks[1]?.error).toBe(
      'could not load code location memory:schedules: SyntaxError: Unexpected token in defs.ts:3',
    );

    // A scheduler that never loaded it cannot know the ticks: the pass fails, saying why.
    await expect(scheduler().evaluate()).rejects.toThrow(
      "schedule 'every_minute': cannot load code location memory:schedules: SyntaxError",
    );
  });

  it('creates nothing for a stopped schedule, and does not catch up on the time it was stopped', async () => {
    const loc = location({ name: 'every_minute', cron: '* * * * *' });
    const { instance, clock, scheduler } = await setup(loc);
    await startSchedule(instance, loc, 'every_minute', T0);
    await stopSchedule(instance, 'every_minute');
    clock.now = T0 + 5 * MIN;
    const s = scheduler();
    expect(await s.evaluate()).toEqual([]);
    await startSchedule(instance, loc, 'every_minute', clock.now);
    clock.now += MIN;
    expect((await s.evaluate()).map((o) => o.tickAt)).toEqual([at('2024-06-01T10:06:00Z')]);
    expect(await instance.storage.schedules.listTicks('every_minute')).toHaveLength(1);
  });

  describe('across DST transitions, with the clock moved by hand', () => {
    async function runDays(spec: Omit<ScheduleSpec, 'job'>, fromIso: string, toIso: string) {
      const loc = location(spec);
      const { instance, clock, scheduler } = await setup(loc);
      clock.now = at(fromIso);
      await startSchedule(instance, loc, spec.name, clock.now);
      const s = scheduler();
      for (; clock.now < at(toIso); clock.now += 10 * MIN) await s.evaluate();
      const runs = await instance.storage.runs.listRuns();
      return runs.map((r) => r.tags[TICK_AT_TAG]).sort();
    }

    it('runs 01:30 once on the night clocks go back in New York (2024-11-03)', async () => {
      const ticks = await runDays(
        { name: 'nightly', cron: '30 1 * * *', timezone: 'America/New_York' },
        '2024-11-02T12:00:00Z',
        '2024-11-05T00:00:00Z',
      );
      // 01:30 EDT (05:30Z) on the 3rd, and not again at 01:30 EST (06:30Z); 01:30 EST on the 4th.
      expect(ticks).toEqual(['2024-11-03T05:30:00.000Z', '2024-11-04T06:30:00.000Z']);
    });

    it('runs 02:30 at 03:30 on the night clocks go forward in Berlin (2024-03-31)', async () => {
      const ticks = await runDays(
        { name: 'nightly', cron: '30 2 * * *', timezone: 'Europe/Berlin' },
        '2024-03-30T12:00:00Z',
        '2024-04-02T00:00:00Z',
      );
      // 02:30 does not exist on the 31st: 03:30 CEST (01:30Z). Then 02:30 CEST (00:30Z).
      expect(ticks).toEqual(['2024-03-31T01:30:00.000Z', '2024-04-01T00:30:00.000Z']);
    });
  });
});
