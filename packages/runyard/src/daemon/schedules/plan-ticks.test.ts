import { describe, expect, it } from 'vitest';
import { parseCron } from '../../definitions/schedule-cron.js';
import { MISSED_REASON, planTicks } from './plan-ticks.js';

const at = (iso: string) => Date.parse(iso);
const minutely = parseCron('* * * * *', 'UTC');
const T0 = at('2024-06-01T10:00:00Z');
const min = 60_000;

describe('planTicks', () => {
  it('runs the ticks that came due since the last one, oldest first', () => {
    const plan = planTicks({ cron: minutely, after: T0, now: T0 + 2 * min + 5_000, catchUp: 'none', graceMs: 90_000 });
    expect(plan).toEqual({
      ticks: [
        { tickAt: T0 + min, action: 'run' },
        { tickAt: T0 + 2 * min, action: 'run' },
      ],
      olderMissedLeftOut: false,
    });
    expect(planTicks({ cron: minutely, after: T0, now: T0 + 59_999, catchUp: 'none' }).ticks).toEqual([]);
  });

  it('after downtime, latest runs the most recent missed tick and skips the others', () => {
    const now = T0 + 10 * min + 30_000;
    const plan = planTicks({ cron: minutely, after: T0, now, catchUp: 'latest' });
    expect(plan.ticks).toHaveLength(10);
    expect(plan.ticks.slice(0, 8).every((t) => t.action === 'skip' && t.reason === MISSED_REASON)).toBe(true);
    // 10:09 is 90 s late: missed; 10:10 is 30 s late: on time. On-time ticks always run.
    expect(plan.ticks.slice(8)).toEqual([
      { tickAt: T0 + 9 * min, action: 'skip', reason: MISSED_REASON },
      { tickAt: T0 + 10 * min, action: 'run' },
    ]);
    // With no on-time tick, the latest missed one runs.
    const late = planTicks({
      cron: minutely,
      after: T0,
      now: T0 + 10 * min + 30_000,
      catchUp: 'latest',
      graceMs: 10_000,
    });
    expect(late.ticks.filter((t) => t.action === 'run')).toEqual([{ tickAt: T0 + 10 * min, action: 'run' }]);
    expect(late.ticks.filter((t) => t.action === 'skip')).toHaveLength(9);
  });

  it('after downtime, all runs every missed tick and none runs none of them', () => {
    // 10:01 … 10:05 are over a minute late; 10:06 is 1 s late, on time.
    const now = T0 + 5 * min + 61_000;
    const all = planTicks({ cron: minutely, after: T0, now, catchUp: 'all' });
    expect(all.ticks.map((t) => t.action)).toEqual(['run', 'run', 'run', 'run', 'run', 'run']);
    const none = planTicks({ cron: minutely, after: T0, now, catchUp: 'none' });
    expect(none.ticks.map((t) => t.action)).toEqual(['skip', 'skip', 'skip', 'skip', 'skip', 'run']);
    expect(planTicks({ cron: minutely, after: T0, now: now + min, catchUp: 'none' }).ticks.at(-1)?.action).toBe('run');
    expect(planTicks({ cron: minutely, after: T0, now: T0 + 7 * min + 1, catchUp: 'none' }).ticks.at(-1)).toEqual({
      tickAt: T0 + 7 * min,
      action: 'run',
    });
  });

  it('all catches up at most maxTicks per pass, oldest first', () => {
    const plan = planTicks({ cron: minutely, after: T0, now: T0 + 500 * min, catchUp: 'all', maxTicks: 3 });
    expect(plan.ticks.map((t) => t.tickAt)).toEqual([T0 + min, T0 + 2 * min, T0 + 3 * min]);
  });

  it('after long downtime records only the latest missed ticks, without enumerating them all', () => {
    const everySecond = parseCron('* * * * * *', 'UTC');
    const now = T0 + 365 * 86_400_000; // a year of every-second ticks
    const plan = planTicks({ cron: everySecond, after: T0, now, catchUp: 'latest', maxTicks: 100 });
    expect(plan.olderMissedLeftOut).toBe(true);
    expect(plan.ticks).toHaveLength(100);
    expect(plan.ticks.at(-1)).toEqual({ tickAt: now, action: 'run' });
    expect(plan.ticks[0]?.tickAt).toBe(now - 99_000);
  });

  it('counts a DST day with the clock, not the wall: Berlin hourly ticks on 2024-10-27 are 24, not 25', () => {
    const hourly = parseCron('0 * * * *', 'Europe/Berlin');
    // Midnight to midnight in Berlin, 25 real hours; the repeated 02:00 comes once.
    const from = at('2024-10-26T22:00:00Z');
    const plan = planTicks({ cron: hourly, after: from, now: at('2024-10-27T23:00:00Z'), catchUp: 'all' });
    expect(plan.ticks).toHaveLength(24);
    expect(new Set(plan.ticks.map((t) => t.tickAt)).size).toBe(24);
  });
});
