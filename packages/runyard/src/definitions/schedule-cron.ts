import { createRequire } from 'node:module';

type CronModule = typeof import('croner');

let cronModule: CronModule | undefined;

/**
 * croner is loaded on first use, with require (it ships CommonJS), so importing runyard (every
 * code location and run worker does) loads it only when a schedule is defined or evaluated.
 */
function croner(): CronModule {
  cronModule ??= createRequire(import.meta.url)('croner') as CronModule;
  return cronModule;
}

/**
 * A cron expression evaluated in an IANA time zone, with croner's DST rules: a wall-clock time
 * that occurs twice (the hour repeated when clocks go back) comes due once, at its first
 * occurrence; one that does not exist (skipped when clocks go forward) comes due as much later as
 * the clocks jumped (02:30 → 03:30), and once only if that is also a regular tick.
 *
 *   const cron = parseCron('30 2 * * *', 'Europe/Berlin');
 *   cron.nextAfter(Date.parse('2024-03-30T12:00:00Z'));        // 2024-03-31T01:30:00Z, 03:30 CEST
 *   cron.ticksBetween(Date.parse('2024-03-01T00:00:00Z'), Date.now());
 */
export interface CronSchedule {
  readonly expression: string;
  readonly timezone: string;
  /** The first tick strictly after `after` (ms since epoch); undefined when there is none. */
  nextAfter(after: number): number | undefined;
  /** Ticks `t` with `after < t <= until`, oldest first, at most `limit` of them. */
  ticksBetween(after: number, until: number, limit?: number): number[];
}

/**
 * Parses a five-field cron expression (`minute hour day-of-month month day-of-week`), a six-field
 * one with seconds first, or a nickname such as `@hourly`.
 *
 * @throws Error with croner's reason when the expression or the zone is not valid
 */
export function parseCron(expression: string, timezone: string): CronSchedule {
  const { Cron } = croner();
  // No callback: croner only computes times and never starts a timer.
  const cron = new Cron(expression, { timezone, legacyMode: true });
  const nextAfter = (after: number): number | undefined => cron.nextRun(new Date(after))?.getTime() ?? undefined;
  return Object.freeze({
    expression,
    timezone,
    nextAfter,
    ticksBetween(after: number, until: number, limit = Number.POSITIVE_INFINITY): number[] {
      const ticks: number[] = [];
      for (let t = nextAfter(after); t !== undefined && t <= until && ticks.length < limit; t = nextAfter(t))
        ticks.push(t);
      return ticks;
    },
  });
}

/** croner's message without its class-name prefix. */
export function cronErrorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^CronPattern:\s*/, '');
}
