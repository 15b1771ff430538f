import type { PluginCommandContext } from 'runyard';
import type { QueueWorkerOptions } from './queue-worker-command.js';

/** `runyard queue worker [--steps]`: takes steps from step queues (being written: issue 15 part 2). */
export async function runStepWorker(_opts: QueueWorkerOptions, _ctx: PluginCommandContext): Promise<number> {
  throw new Error('the step worker is not written yet');
}
