import type { ScheduleCatchUp } from '../../definitions/schedule.js';
import type { CronSchedule } from '../../definitions/schedule-cron.js';

/** A tick more than this late when the scheduler first sees it was missed (see docs/schedules.md). */
export const DEFAULT_MISSED_TICK_GRACE_MS = 60_000;
/** At most this many ticks of one schedule are recorded in one pass. */
export const DEFAULT_MAX_TICKS_PER_PASS = 100;

export const MISSED_REASON = 'missed while the daemon was down';

export interface PlannedTick {
  readonly tickAt: number;
  /** `run`: evaluate the schedule and submit its run. `skip`: record it SKIPPED with `reason`. */
  readonly action: 'run' | 'skip';
  readonly reason?: string;
}

export interface TickPlan {
  /** Oldest first. */
  readonly ticks: readonly PlannedTick[];
  /** Missed ticks older than the first planned one exist but are not recorded one by one. */
  readonly olderMissedLeftOut: boolean;
}

export interface PlanTicksArgs {
  readonly cron: CronSchedule;
  /** The last tick already evaluated (exclusive). */
  readonly after: number;
  readonly now: number;
  readonly catchUp: ScheduleCatchUp;
  readonly graceMs?: number;
  readonly maxTicks?: number;
}

// How far back to look for the latest missed ticks: windows growing fourfold from a minute to about
// two years, until one holds more than `maxTicks` of them. Enumerating a year of an every-second
// cron (croner takes a fraction of a millisecond per tick) to find its last hundred would not do.
const WINDOWS_MS = Array.from({ length: 11 }, (_, i) => 60_000 * 4 ** i);

/**
 * Which of a schedule's due ticks (after `after`, up to `now`) to run and which to skip. A tick
 * is on time when it is at most `graceMs` old; on-time ticks always run. Older ones were missed
 * (the daemon was down, or busy for a minute), and the catch-up policy decides: `latest` runs the
 * most recent due tick when no on-time tick exists and skips the other missed ones, `all` runs
 * every one (oldest first, `maxTicks` per pass), `none` skips them all.
 */
export function planTicks(args: PlanTicksArgs): TickPlan {
  const { cron, after, now, catchUp } = args;
  const graceMs = args.graceMs ?? DEFAULT_MISSED_TICK_GRACE_MS;
  const maxTicks = args.maxTicks ?? DEFAULT_MAX_TICKS_PER_PASS;
  if (catchUp === 'all') {
    const ticks = cron.ticksBetween(after, now, maxTicks).map((tickAt): PlannedTick => ({ tickAt, action: 'run' }));
    return { ticks, olderMissedLeftOut: false };
  }
  const { ticks: due, leftOut } = latestTicks(cron, after, now, maxTicks);
  const isLate = (tickAt: number) => now - tickAt > graceMs;
  const anyOnTime = due.some((t) => !isLate(t));
  const ticks = due.map((tickAt, i): PlannedTick => {
    const runsAnyway = !isLate(tickAt) || (catchUp === 'latest' && !anyOnTime && i === due.length - 1);
    return runsAnyway ? { tickAt, action: 'run' } : { tickAt, action: 'skip', reason: MISSED_REASON };
  });
  return { ticks, olderMissedLeftOut: leftOut };
}

/** The ticks in (after, now], or only the latest `max` of them when there are more. */
function latestTicks(
  cron: CronSchedule,
  after: number,
  now: number,
  max: number,
): { ticks: number[]; leftOut: boolean } {
  let from = after;
  for (const windowMs of WINDOWS_MS) {
    const start = now - windowMs;
    if (start <= after) {
      from = after;
      break;
    }
    from = start;
    if (cron.ticksBetween(start, now, max + 1).length > max) break;
  }
  const ticks = cron.ticksBetween(from, now);
  const firstDue = cron.nextAfter(after);
  const leftOut = ticks.length > max || (firstDue !== undefined && firstDue <= from);
  return { ticks: ticks.slice(-max), leftOut };
}
