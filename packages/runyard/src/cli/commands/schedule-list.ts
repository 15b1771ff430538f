import { loadCodeLocation } from '../../code-location/load-code-location.js';
import { listSchedules, type ScheduleListing } from '../../daemon/schedules/schedule-control.js';
import { type GlobalOptions, printJson, withInstance } from '../command-context.js';
import { formatTime, paint, table } from '../style.js';

/**
 * `runyard schedule list [-f <file>] [--json]`: the schedules a code location defines, with their
 * state on this instance; without -f, every schedule this instance has a state for.
 */
export default async function scheduleList(_args: string[], opts: Record<string, unknown>, globals: GlobalOptions) {
  const location = opts.file ? await loadCodeLocation(String(opts.file)) : undefined;
  const listings = await withInstance(globals, (instance) => listSchedules(instance, location ? { location } : {}));
  if (opts.json) {
    printJson(listings.map(toJson));
    return 0;
  }
  if (listings.length === 0) {
    process.stdout.write(
      location ? `${location.target} defines no schedules\n` : 'no schedule has been started on this instance\n',
    );
    return 0;
  }
  const rows = listings.map((s) => [
    s.name,
    s.cron ?? '?',
    s.timezone ?? '?',
    s.job ?? '?',
    paint(s.status, s.status === 'RUNNING' ? 'green' : 'gray'),
    s.nextTickAt === undefined ? '-' : formatTime(s.nextTickAt),
    s.lastTick ? `${s.lastTick.status} ${formatTime(s.lastTick.tickAt)}` : '-',
  ]);
  process.stdout.write(`${table(['SCHEDULE', 'CRON', 'TIMEZONE', 'JOB', 'STATUS', 'NEXT TICK', 'LAST TICK'], rows)}\n`);
  for (const s of listings) if (s.problem) process.stdout.write(`${s.name}: ${s.problem}\n`);
  return 0;
}

function toJson(s: ScheduleListing) {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    name: s.name,
    status: s.status,
    cron: s.cron ?? null,
    timezone: s.timezone ?? null,
    job: s.job ?? null,
    catchUp: s.catchUp ?? null,
    description: s.description ?? null,
    codeLocation: s.codeLocation ?? null,
    nextTickAt: iso(s.nextTickAt),
    lastTick: s.lastTick
      ? {
          tickAt: iso(s.lastTick.tickAt),
          status: s.lastTick.status,
          runIds: s.lastTick.runIds,
          skipReason: s.lastTick.skipReason ?? null,
          error: s.lastTick.error ?? null,
        }
      : null,
    problem: s.problem ?? null,
  };
}
