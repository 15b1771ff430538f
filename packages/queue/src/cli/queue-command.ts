import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { PluginCommandContext } from 'runyard';
import { RunyardError } from 'runyard';
import { QUEUE_NAME, QUEUE_NAME_RULE } from '../queue-config.js';
import { type QueueWorkerOptions, queueWorkerCommand } from './queue-worker-command.js';

/**
 * `runyard queue …`: core's CLI imports this package only when a queue command runs and hands it
 * the arguments after `queue`. Exit codes as core's: 0 ok, 1 failed, 2 bad usage or input.
 */
export async function queueCommand(args: readonly string[], ctx: PluginCommandContext): Promise<number> {
  let code = 0;
  const program = new Command('runyard queue')
    .description('queues and worker pools on Redis (BullMQ)')
    .exitOverride()
    .showSuggestionAfterError();

  const worker = program
    .command('worker')
    .description('process queued work until SIGTERM: each step in a fresh child process')
    .option('--queues <names>', 'comma-separated queues to take work from (default: the default queue)', queueList)
    .option('--concurrency <n>', 'how many steps this worker runs at once', positiveInt, 1)
    .option(
      '--spares <n>',
      'step processes kept loaded ahead of need (default: concurrency, at most 2)',
      nonNegativeInt,
    )
    .option('--name <name>', 'how this worker is listed in `runyard queue status` (default: host and pid)');
  addWorkerModes(worker);
  worker.action(async (opts: QueueWorkerOptions) => {
    code = await queueWorkerCommand(opts, ctx);
  });

  program
    .command('limit')
    .description('at most <n> steps of <queue> at once, across every worker and run (`none` lifts it)')
    .argument('<queue>', 'the queue', queueName)
    .argument('<n>', 'a whole number ≥ 1, or none', (v: string) => (v === 'none' ? undefined : positiveInt(v)))
    .action(async (queue: string, limit: number | undefined) => {
      const { queueLimitCommand } = await import('./queue-admin-commands.js');
      code = await queueLimitCommand(queue, limit, ctx);
    });

  program
    .command('status')
    .description('worker pools, queues, depth, active steps and limits')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { queueStatusCommand } = await import('./queue-admin-commands.js');
      code = await queueStatusCommand(Boolean(opts.json), ctx);
    });

  try {
    await program.parseAsync(['node', 'runyard-queue', ...args]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  return code;
}

/** The worker's modes (steps, runs) add their own options here; see queue-worker-command.ts. */
function addWorkerModes(worker: Command): void {
  worker.option('--steps', 'take steps from step queues (the default)');
  worker.option('--runs', "start run workers of QueueRunLauncher's run queues (--queues names run queues)");
}

export function queueList(value: string): string[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError('expected one or more queue names, comma-separated');
  for (const name of names)
    if (!QUEUE_NAME.test(name)) throw new InvalidArgumentError(`'${name}' is not a queue name: ${QUEUE_NAME_RULE}`);
  return [...new Set(names)];
}

function queueName(value: string): string {
  if (!QUEUE_NAME.test(value)) throw new InvalidArgumentError(`'${value}' is not a queue name: ${QUEUE_NAME_RULE}`);
  return value;
}

function nonNegativeInt(value: string): number {
  return value.trim() === '0' ? 0 : positiveInt(value);
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a whole number ≥ 1, got '${value}'`);
  return n;
}

/** A user mistake found after parsing: exit 2 with the message alone. */
export function usageError(message: string): RunyardError {
  return new RunyardError(message, { userError: true });
}
