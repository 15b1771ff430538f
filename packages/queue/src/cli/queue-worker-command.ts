import type { PluginCommandContext } from 'runyard';
import { RunyardError } from 'runyard';

/**
 * `runyard queue worker`: one command, several modes. Each mode lives in its own module, imported
 * only when chosen, so a mode can be added (an entry here and its options in queue-command.ts)
 * without touching the others.
 */
export interface QueueWorkerOptions {
  readonly queues?: readonly string[];
  readonly concurrency: number;
  readonly name?: string;
  readonly spares?: number;
  readonly steps?: boolean;
  /** Other modes' flags (e.g. `runs`) arrive here too. */
  readonly [flag: string]: unknown;
}

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
