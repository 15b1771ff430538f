import type { PluginCommandContext } from 'runyard';
import { RunyardError } from 'runyard';
import type { QueueWorkerOptions } from './queue-worker-options.js';

export type { QueueWorkerOptions } from './queue-worker-options.js';

/**
 * `runyard queue worker`: one command, several modes. Each mode lives in its own module, imported
 * only when chosen, so a mode can be added (an entry here and its options in queue-command.ts)
 * without touching the others.
 */
type WorkerMode = (opts: QueueWorkerOptions, ctx: PluginCommandContext) => Promise<number>;

const MODES: Readonly<Record<string, () => Promise<WorkerMode>>> = {
  steps: async () => (await import('./step-worker.js')).runStepWorker,
  runs: async () => (await import('./run-pool-worker.js')).runRunPoolWorker,
};

/** The mode the flags ask for: the one mode flag given, else steps. */
function chosenMode(opts: QueueWorkerOptions): string {
  const given = Object.keys(MODES).filter((mode) => opts[mode] === true);
  if (given.length > 1) throw new RunyardError(`choose one of --${given.join(', --')}`, { userError: true });
  return given[0] ?? 'steps';
}

export async function queueWorkerCommand(opts: QueueWorkerOptions, ctx: PluginCommandContext): Promise<number> {
  const mode = MODES[chosenMode(opts)] as () => Promise<WorkerMode>;
  return (await mode())(opts, ctx);
}
