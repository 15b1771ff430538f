/**
 * Schedules: a nightly report in Berlin time, with the day it covers in its run config, and an
 * every-minute heartbeat job. Start the daemon, then turn a schedule on:
 *
 *   npx runyard daemon &
 *   npx runyard schedule start every_minute -f examples/schedules.ts
 *   npx runyard schedule list -f examples/schedules.ts
 */
import { defineDefinitions, job, op, schedule } from 'runyard';
import { z } from 'zod';

const summarize = op({
  name: 'summarize',
  config: z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }),
  run: (ctx) => {
    ctx.log.info(`summarizing ${ctx.config.day}`);
    return { day: ctx.config.day, rows: 0 };
  },
});

const ping = op({ name: 'ping', run: () => new Date().toISOString() });

export const dailyReport = job({ name: 'daily_report', tags: { team: 'analytics' }, graph: () => void summarize() });
export const heartbeat = job({ name: 'heartbeat', graph: () => void ping() });

export const nightly = schedule({
  name: 'nightly',
  cron: '0 2 * * *',
  timezone: 'Europe/Berlin',
  job: dailyReport,
  // Each tick reports on the day before its scheduled time.
  runConfig: ({ scheduledTime }) => {
    const day = new Date(scheduledTime.getTime() - 24 * 3600 * 1000).toISOString().slice(0, 10);
    return { ops: { summarize: { config: { day } } } };
  },
  tags: { 'runyard/max_retries': '2' },
});

export const everyMinute = schedule({ name: 'every_minute', cron: '* * * * *', job: heartbeat });

export default defineDefinitions({ jobs: [dailyReport, heartbeat], schedules: [nightly, everyMinute] });
