import type { Instance } from '../instance/instance.js';
import type { Daemon } from './daemon.js';
import { createMonitoringDaemon } from './monitoring/monitoring-daemon.js';
import { createQueueDaemon } from './queue/queue-daemon.js';
import { createRetryDaemon } from './retries/retry-daemon.js';
import { createSchedulerDaemon } from './schedules/scheduler-daemon.js';

/**
 * The sub-daemons this instance needs, from its config: the run queue only with a queued
 * coordinator, monitoring and retries unless turned off, the scheduler always (it idles when no
 * schedule is running).
 */
export async function daemonsForInstance(instance: Instance): Promise<Daemon[]> {
  const candidates = await Promise.all([
    createQueueDaemon(instance),
    createMonitoringDaemon(instance),
    createSchedulerDaemon(instance),
    createRetryDaemon(instance),
  ]);
  return candidates.filter((d): d is Daemon => d !== undefined);
}
