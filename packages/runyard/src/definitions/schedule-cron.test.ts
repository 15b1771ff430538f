import { describe, expect, it } from 'vitest';
import { parseCron } from './schedule-cron.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
/** Wall-clock time in a zone, for reading DST results: `2024-11-03 01:30 EDT`. */
const wall = (ms: number, timeZone: string) =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  })
    .format(ms)
    .replace(',', '');

describe('parseCron', () => {
  it('computes the ticks strictly after a time, up to and including the end', () => {
    const cron = parseCron('0 * * * *', 'UTC');
    expect(iso(cron.nextAfter(at('2024-06-01T10:00:00Z')) as number)).toBe('2024-06-01T11:00:00.000Z');
    expect(iso(cron.nextAfter(at('2024-06-01T10:59:59.999Z')) as number)).toBe('2024-06-01T11:00:00.000Z');
    expect(cron.ticksBetween(at('2024-06-01T10:00:00Z'), at('2024-06-01T13:00:00Z')).map(iso)).toEqual([
      '2024-06-01T11:00:00.000Z',
      '2024-06-01T12:00:00.000Z',
      '2024-06-01T13:00:00.000Z',
    ]);
    expect(cron.ticksBetween(at('2024-06-01T10:00:00Z'), at('2024-06-02T10:00:00Z'), 2)).toHaveLength(2);
  });

  it('takes six fields with seconds first', () => {
    const cron = parseCron('* * * * * *', 'UTC');
    expect(cron.ticksBetween(at('2024-06-01T10:00:00.400Z'), at('2024-06-01T10:00:03Z')).map(iso)).toEqual([
      '2024-06-01T10:00:01.000Z',
      '2024-06-01T10:00:02.000Z',
      '2024-06-01T10:00:03.000Z',
    ]);
  });

  it('evaluates in the zone: 09:00 in Berlin is 07:00 UTC in summer and 08:00 UTC in winter', () => {
    const cron = parseCron('0 9 * * *', 'Europe/Berlin');
    expect(iso(cron.nextAfter(at('2024-07-01T00:00:00Z')) as number)).toBe('2024-07-01T07:00:00.000Z');
    expect(iso(cron.nextAfter(at('2024-12-01T00:00:00Z')) as number)).toBe('2024-12-01T08:00:00.000Z');
  });

  describe('across DST transitions (America/New_York)', () => {
    const zone = 'America/New_York';

    it('runs a wall-clock time that occurs twice (clocks go back on 2024-11-03) once, at its first occurrence', () => {
      const daily = parseCron('30 1 * * *', zone);
      const ticks = daily.ticksBetween(at('2024-11-02T00:00:00Z'), at('2024-11-05T00:00:00Z'));
      expect(ticks.map((t) => wall(t, zone))).toEqual([
        '2024-11-02 01:30 EDT',
        '2024-11-03 01:30 EDT',
        '2024-11-04 01:30 EST',
      ]);
      // Every half hour: 01:00 and 01:30 come once, in EDT; the repeated EST hour has no ticks.
      const halfHourly = parseCron('*/30 * * * *', zone);
      const night = halfHourly.ticksBetween(at('2024-11-03T04:00:00Z'), at('2024-11-03T08:00:00Z'));
      expect(night.map((t) => wall(t, zone))).toEqual([
        '2024-11-03 00:30 EDT',
        '2024-11-03 01:00 EDT',
        '2024-11-03 01:30 EDT',
        '2024-11-03 02:00 EST',
        '2024-11-03 02:30 EST',
        '2024-11-03 03:00 EST',
      ]);
      expect(new Set(night).size).toBe(night.length);
    });

    it('runs a wall-clock time that does not exist (clocks go forward on 2024-03-10) an hour later', () => {
      const daily = parseCron('30 2 * * *', zone);
      const ticks = daily.ticksBetween(at('2024-03-09T00:00:00Z'), at('2024-03-12T00:00:00Z'));
      expect(ticks.map((t) => wall(t, zone))).toEqual([
        '2024-03-09 02:30 EST',
        '2024-03-10 03:30 EDT',
        '2024-03-11 02:30 EDT',
      ]);
      // Every half hour: 02:00 and 02:30 fall on 03:00 and 03:30, which tick once each.
      const halfHourly = parseCron('*/30 * * * *', zone);
      const night = halfHourly.ticksBetween(at('2024-03-10T06:00:00Z'), at('2024-03-10T08:00:00Z'));
      expect(night.map((t) => wall(t, zone))).toEqual([
        '2024-03-10 01:30 EST',
        '2024-03-10 03:00 EDT',
        '2024-03-10 03:30 EDT',
        '2024-03-10 04:00 EDT',
      ]);
    });
  });

  it('refuses what is not a cron expression, naming the reason', () => {
    expect(() => parseCron('61 * * * *', 'UTC')).toThrow(/minute: 61/);
    expect(() => parseCron('* * * *', 'UTC')).toThrow(/five or six/);
    expect(parseCron('@hourly', 'UTC').nextAfter(at('2024-06-01T10:30:00Z'))).toBe(at('2024-06-01T11:00:00Z'));
    expect(parseCron('0 0 31 2 *', 'UTC').nextAfter(at('2024-06-01T10:30:00Z'))).toBeUndefined();
  });
});
