import { afterEach, describe, expect, it } from 'vitest';
import { SCHEDULE_NAME_TAG, scheduleTickRunId, TICK_AT_TAG, type TickRecord } from '../src/index.js';
import { fixture, YardHarness } from './fixtures/yard-harness.js';

/**
 * The scheduler in real `runyard daemon` processes, launching real run workers: one run per tick,
 * whatever happens to the daemons. No test waits for a wall-clock time: each waits until storage
 * shows what it needs.
 */

const SCHEDULES = fixture('schedules.ts');
let harness: YardHarness | undefined;

afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

function open(): YardHarness {
  harness = new YardHarness(YAML);
  return harness;
}

async function ticks(h: YardHarness, name: string): Promise<TickRecord[]> {
  return (await (await h.instance()).storage.schedules.listTicks(name)).reverse();
}

/**
 * Every tick of an every-second schedule, from its first to its last, has exactly one run, and
 * every run succeeded. A daemon killed in the few milliseconds between marking a run STARTING and
 * starting its worker leaves that run to run monitoring, which launches it again.
 */
async function expectOneRunPerSecond(h: YardHarness, name: string): Promise<void> {
  // The schedule was stopped: once a scheduler pass has begun since, no tick or run is added.
  await h.waitForIterations('SCHEDULER');
  const runs = await h.settle();
  const all = await ticks(h, name);
  const first = all[0]?.tickAt as number;
  expect(all.map((t) => t.tickAt)).toEqual(all.map((_, i) => first + i * 1000));
  for (const tick of all) {
    expect(tick.status).toBe('SUCCESS');
    expect(tick.runIds).toEqual([scheduleTickRunId(name, tick.tickAt)]);
  }
  const ofSchedule = runs.filter((r) => r.tags[SCHEDULE_NAME_TAG] === name);
  expect(ofSchedule).toHaveLength(all.length);
  expect(new Set(ofSchedule.map((r) => r.tags[TICK_AT_TAG]))).toEqual(
    new Set(all.map((t) => new Date(t.tickAt).toISOString())),
  );
  for (const run of ofSchedule) {
    expect(run.origin.source).toBe('schedule');
    expect(run.runConfig).toEqual({ ops: { note: { config: { tickAt: run.tags[TICK_AT_TAG] } } } });
  }
  expect(ofSchedule.filter((r) => r.status !== 'SUCCESS').map((r) => `${r.runId}: ${r.statusReason}`)).toEqual([]);
}

// Run monitoring in the surviving daemon launches again, soon, a run whose launch a kill -9 interrupted.
const YAML = 'runMonitoring:\n  startTimeoutSeconds: 15\n  pollIntervalSeconds: 1\n';

describe('schedules run by `runyard daemon`', { timeout: 120_000 }, () => {
  it('an every-second schedule makes one run per tick, also across kill -9 and a restart', async () => {
    const h = open();
    expect((await h.cli(['schedule', 'start', 'every_second', '-f', SCHEDULES])).code).toBe(0);
    const first = h.startDaemon();
    await h.waitFor('3 ticks', async () => (await ticks(h, 'every_second')).length >= 3);
    first.kill('SIGKILL');
    await first.exited;
    const beforeRestart = (await ticks(h, 'every_second')).length;

    // The new daemon waits out the dead one's lease, then catches up: down for seconds, so
    // every missed tick is within the minute's grace and runs (docs/schedules.md).
    const second = h.startDaemon();
    await second.waitForOutput(/took the daemon lease/);
    await h.waitFor('3 more ticks', async () => (await ticks(h, 'every_second')).length >= beforeRestart + 3);
    expect((await h.cli(['schedule', 'stop', 'every_second'])).code).toBe(0);
    await expectOneRunPerSecond(h, 'every_second');
    second.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  });

  it('two daemons at once make no duplicate run; when the active one dies the other goes on', async () => {
    const h = open();
    expect((await h.cli(['schedule', 'start', 'every_second', '-f', SCHEDULES])).code).toBe(0);
    const a = h.startDaemon();
    const b = h.startDaemon();
    await h.waitFor('3 ticks', async () => (await ticks(h, 'every_second')).length >= 3);
    const leader = /took the daemon lease/.test(a.output) ? a : b;
    leader.kill('SIGKILL');
    await leader.exited;
    const before = (await ticks(h, 'every_second')).length;
    await h.waitFor(
      '3 more ticks from the other daemon',
      async () => (await ticks(h, 'every_second')).length >= before + 3,
    );
    expect((await h.cli(['schedule', 'stop', 'every_second'])).code).toBe(0);
    await expectOneRunPerSecond(h, 'every_second');
    for (const daemon of [a, b]) daemon.kill('SIGTERM');
  });

  it('after a long outage, catchUp latest runs the most recent missed tick and skips the others; all runs them all', async () => {
    const h = open();
    for (const name of ['every_minute', 'every_minute_all'])
      expect((await h.cli(['schedule', 'start', name, '-f', SCHEDULES])).code).toBe(0);
    // As if a daemon had evaluated these schedules ten minutes ago and died then.
    const instance = await h.instance();
    const tenMinutesAgo = Date.now() - 10 * 60_000;
    for (const name of ['every_minute', 'every_minute_all']) {
      const state = await instance.storage.schedules.getScheduleState(name);
      await instance.storage.schedules.setScheduleState({
        name,
        status: 'RUNNING',
        lastTickAt: tenMinutesAgo,
        codeLocation: state?.codeLocation as string,
      });
    }
    const daemon = h.startDaemon();
    await h.waitFor('both schedules to catch up', async () => {
      const latest = await ticks(h, 'every_minute');
      const all = await ticks(h, 'every_minute_all');
      return latest.length >= 10 && all.length >= 10 && [...latest, ...all].every((t) => t.status !== 'STARTED');
    });
    daemon.kill('SIGTERM');
    await daemon.exited;

    const latest = await ticks(h, 'every_minute');
    // Ten (or eleven, if a minute began meanwhile) ticks; only the newest was on time.
    expect(latest.length).toBeGreaterThanOrEqual(10);
    expect(
      latest.slice(0, -1).every((t) => t.status === 'SKIPPED' && t.skipReason === 'missed while the daemon was down'),
    ).toBe(true);
    expect(latest.at(-1)?.status).toBe('SUCCESS');
    const all = await ticks(h, 'every_minute_all');
    expect(all.every((t) => t.status === 'SUCCESS' && t.runIds.length === 1)).toBe(true);
    const runs = await h.settle();
    expect(runs).toHaveLength(1 + all.length);
    expect(runs.every((r) => r.status === 'SUCCESS')).toBe(true);
  });

  it('records a tick FAILURE, with the error, when the schedule cannot make its run config', async () => {
    const h = open();
    expect((await h.cli(['schedule', 'start', 'broken_config', '-f', SCHEDULES])).code).toBe(0);
    const daemon = h.startDaemon();
    await h.waitFor(
      '2 failed ticks',
      async () => (await ticks(h, 'broken_config')).filter((t) => t.status === 'FAILURE').length >= 2,
    );
    daemon.kill('SIGTERM');
    await daemon.exited;

    const listed = await h.cli(['schedule', 'list', '--json']);
    expect(listed.code).toBe(0);
    const [row] = JSON.parse(listed.stdout);
    expect(row).toMatchObject({
      name: 'broken_config',
      status: 'RUNNING',
      lastTick: { status: 'FAILURE', runIds: [], error: 'no config today: the warehouse is closed' },
    });
    expect(await h.runs()).toEqual([]);
  });
});
