import type { Instance } from '../../instance/instance.js';
import { setLaunchingDaemon } from '../../launch/launcher-identity.js';
import type { Daemon } from '../daemon.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';

export const SCHEDULER_DAEMON_TYPE = 'SCHEDULER';

export interface SchedulerDaemonOptions extends Omit<SchedulerOptions, 'log'> {
  /** How often the scheduler looks for due ticks. Default 1000 ms: every-second crons tick on time. */
  readonly intervalMs?: number;
}

/**
 * The scheduler as a sub-daemon of `runyard daemon`: every second, each RUNNING schedule's due
 * ticks are recorded and their runs submitted (see scheduler.ts). It idles when nothing runs.
 */
export function createSchedulerDaemon(instance: Instance, options: SchedulerDaemonOptions = {}): Daemon {
  let log: (message: string) => void = () => undefined;
  const scheduler = new Scheduler(instance, { ...options, log: (message) => log(message) });
  return {
    type: SCHEDULER_DAEMON_TYPE,
    intervalMs: options.intervalMs ?? 1000,
    async runIteration(ctx) {
      log = ctx.log;
      // A tick's run launched here (immediate coordinator) names this daemon as its launcher.
      setLaunchingDaemon(ctx.daemonId);
      await scheduler.evaluate(ctx.signal);
    },
  };
}
