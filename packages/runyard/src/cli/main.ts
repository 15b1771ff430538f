import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { isRunStatus, RUN_STATUSES } from '../runs/run-status.js';
import { EXIT, reportError } from './cli-error.js';
import type { GlobalOptions } from './command-context.js';
import { exitWhenFlushed, guardStdio } from './stdio-exit.js';

const collect = (value: string, previous: string[]) => [...previous, value];

function collectStatus(value: string, previous: string[]): string[] {
  const status = value.toUpperCase();
  if (!isRunStatus(status))
    throw new InvalidArgumentError(`'${value}' is not a run status; use one of ${RUN_STATUSES.join(', ')}`);
  return [...previous, status];
}

type Loader = () => Promise<{
  default: (args: string[], opts: Record<string, unknown>, globals: GlobalOptions) => Promise<number | undefined>;
}>;

/**
 * Each command's module is imported only when it runs, so `runyard job execute` does not pay
 * for loading the code of every other command.
 */
function action(program: Command, load: Loader) {
  return async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const opts = command.opts() as Record<string, unknown>;
    const args = command.args as string[];
    const code = await (await load()).default(args, opts, program.opts() as GlobalOptions);
    if (code) throw new CommanderError(code, 'runyard.exit', '');
  };
}

export function buildProgram(): Command {
  const program = new Command('runyard')
    .description('Runyard: jobs in TypeScript, launched onto their own compute')
    .version(readVersion(), '-V, --version')
    .option(
      '--home <dir>',
      'the instance directory (default: $RUNYARD_HOME, else the nearest runyard.yaml or .runyard up from here, else ./.runyard)',
    )
    .showSuggestionAfterError()
    .exitOverride();

  program
    .command('init')
    .description('write a new project: package.json, tsconfig, a job and its test, runyard.yaml, README')
    .argument('[dir]', 'the directory to create (new or empty)', '.')
    .action(action(program, () => import('./commands/init.js')));

  const job = program.command('job').description('jobs in a code location');
  job
    .command('list')
    .description('list the jobs a code location defines')
    .requiredOption('-f, --file <file>', 'code location: a .ts/.js file or a package name')
    .option('--json', 'print JSON')
    .action(action(program, () => import('./commands/job-list.js')));
  job
    .command('execute')
    .description('execute a job in this process (no launcher); exit 0 only if the run succeeds')
    .requiredOption('-f, --file <file>', 'code location: a .ts/.js file or a package name')
    .requiredOption('-j, --job <name>', 'the job to run')
    .option('-c, --config <file>', 'run config file (YAML or JSON); repeat to merge several', collect, [])
    .option('--tag <key=value>', 'a tag for the run; repeatable', collect, [])
    .option('--select <selection>', "run only these steps: 'name', 'load_*', '+name', 'name+', '*name', 'a,b'")
    .option('--from-run <runId>', 'with --select: read the outputs of steps outside the selection from this run')
    .option('--json', 'print each event as a JSON line')
    .action(action(program, () => import('./commands/job-execute.js')));

  job
    .command('launch')
    .description("launch a run onto the instance's run launcher; prints the run id")
    .requiredOption('-f, --file <file>', 'code location: a .ts/.js file or a package name')
    .requiredOption('-j, --job <name>', 'the job to run')
    .option('-c, --config <file>', 'run config file (YAML or JSON); repeat to merge several', collect, [])
    .option('--tag <key=value>', 'a tag for the run; repeatable', collect, [])
    .option('--select <selection>', "run only these steps: 'name', 'load_*', '+name', 'name+', '*name', 'a,b'")
    .option('--from-run <runId>', 'with --select: read the outputs of steps outside the selection from this run')
    .option('--wait', 'follow the run until it ends; exit 0 only if it succeeds')
    .option('--json', 'print JSON (with --wait: each event as a JSON line)')
    .action(action(program, () => import('./commands/job-launch.js')));

  const run = program.command('run').description('runs recorded in the instance');
  run
    .command('list')
    .description('list runs, newest first')
    .option(
      '--status <status>',
      `only runs with this status (${RUN_STATUSES.join(', ')}); repeatable`,
      collectStatus,
      [],
    )
    .option('--job <name>', 'only runs of this job')
    .option('--tag <key=value>', 'only runs with this tag; repeatable', collect, [])
    .option('--limit <n>', 'at most this many runs', '20')
    .option('--json', 'print JSON')
    .action(action(program, () => import('./commands/run-list.js')));
  run
    .command('show')
    .description('show a run: status, times, tags, config and its steps')
    .argument('<runId>', 'the run id (a unique prefix is enough)')
    .option('--mapped', 'list every mapped step (load[a.csv] …) under its op, not only the counts')
    .option('--json', 'print JSON')
    .action(action(program, () => import('./commands/run-show.js')));
  run
    .command('logs')
    .description("print a run's event log")
    .argument('<runId>', 'the run id (a unique prefix is enough)')
    .option('--json', 'print each event as a JSON line')
    .option('--follow', 'keep printing until the run ends')
    .option('--stdout', "print the run worker's captured stdout instead of the event log")
    .option('--stderr', "print the run worker's captured stderr instead of the event log")
    .action(action(program, () => import('./commands/run-logs.js')));
  run
    .command('terminate')
    .description('stop a run: SIGTERM to its worker, a grace period, then SIGKILL')
    .argument('<runId>', 'the run id (a unique prefix is enough)')
    .option('--force', 'mark the run CANCELED at once and kill its worker without waiting')
    .action(action(program, () => import('./commands/run-terminate.js')));
  run
    .command('delete')
    .description('delete a run and its events')
    .argument('<runId>', 'the run id (a unique prefix is enough)')
    .option('--force', 'delete even if the run is still in progress')
    .action(action(program, () => import('./commands/run-delete.js')));
  run
    .command('retry')
    .description('retry a finished run as a new run linked to it; prints the new run id')
    .argument('<runId>', 'the run id (a unique prefix is enough)')
    .option('--from-failure', 'run only what did not succeed: steps that succeeded reuse their outputs')
    .option('--select <selection>', 'run only these steps; the outputs of the others are read from the run retried')
    .option('--json', 'print JSON')
    .action(action(program, () => import('./commands/run-retry.js')));

  const schedule = program
    .command('schedule')
    .description("schedules: start and stop them; the daemon's scheduler runs them");
  schedule
    .command('list')
    .description('list schedules with their state, next tick and last tick')
    .option('-f, --file <file>', 'the schedules this code location defines (default: every schedule started here)')
    .option('--json', 'print JSON')
    .action(action(program, () => import('./commands/schedule-list.js')));
  schedule
    .command('start')
    .description('start a schedule: `runyard daemon` creates a run for each tick from now on')
    .argument('<name>', 'the schedule')
    .requiredOption('-f, --file <file>', 'code location that defines it: a .ts/.js file or a package name')
    .action(action(program, () => import('./commands/schedule-start.js')));
  schedule
    .command('stop')
    .description('stop a schedule; its ticks and runs are kept')
    .argument('<name>', 'the schedule')
    .option('-f, --file <file>', 'code location that defines it (checked when given)')
    .action(action(program, () => import('./commands/schedule-stop.js')));

  const serveFlags = (command: Command) =>
    command
      .option(
        '--host <host>',
        'address to listen on; anything but loopback needs a token (--auth-token-file)',
        '127.0.0.1',
      )
      .option('--port <port>', 'port to listen on (0: any free port)', '3000')
      .option('--auth-token <token>', 'require this token on every request (default: $RUNYARD_AUTH_TOKEN)')
      .option('--auth-token-file <path>', 'read the token from this file, which keeps it out of the process table')
      .option(
        '--allowed-host <name>',
        'also answer requests for this Host name, e.g. behind a reverse proxy (repeatable)',
        (name: string, names: string[] = []) => [...names, name],
      );
  serveFlags(
    program
      .command('dev')
      .description('the one-command start: web UI, HTTP API and daemon in one process; Ctrl-C stops all')
      .requiredOption('-f, --file <file>', 'code location: a .ts/.js file or a package name'),
  ).action(action(program, () => import('./commands/dev.js')));
  serveFlags(
    program
      .command('ui')
      .description('serve the web UI and HTTP API (run `runyard daemon` beside it for queues and schedules)')
      .option('-f, --file <file>', 'code location whose jobs and schedules the UI shows and launches'),
  ).action(action(program, () => import('./commands/ui.js')));

  program
    .command('daemon')
    .description('run the run queue, run monitoring, schedules and run retries (one active daemon per instance)')
    .option('--lease-ttl <seconds>', 'how soon a standby daemon takes over after this one dies')
    .action(action(program, () => import('./commands/daemon.js')));

  const worker = program.command('worker').description('run worker entry points (used by run launchers)');
  worker
    .command('execute-run')
    .description('execute a launched run in this process: the command every run launcher starts')
    .argument('<runId>', 'the run to execute (it must be STARTING, or STARTED with --resume)')
    .option('--resume', 'take over a STARTED run whose worker died; succeeded steps are not run again')
    .action(action(program, () => import('./commands/worker-execute-run.js')));

  // The subcommands are @runyard/queue's; that package is imported only when this command runs.
  program
    .command('queue')
    .description('queues and worker pools (@runyard/queue): worker, limit, status; `runyard queue --help` for more')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]', 'a queue subcommand and its options')
    .action(action(program, () => import('./commands/queue.js')));

  const instance = program.command('instance').description('the instance: storage and components');
  instance
    .command('info')
    .description("show the instance's home, config and storage")
    .option('--json', 'print JSON')
    .action(action(program, () => import('./commands/instance-info.js')));
  instance
    .command('migrate')
    .description('apply pending storage schema migrations')
    .action(action(program, () => import('./commands/instance-migrate.js')));
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  guardStdio();
  const program = buildProgram();
  let code: number = EXIT.ok;
  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end with code 0; every usage mistake (commander printed why) with 2.
      if (error.code === 'runyard.exit') code = error.exitCode;
      else code = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    } else {
      code = reportError(error);
    }
  }
  // Exit explicitly: op code may leave timers or sockets open that must not keep the CLI alive.
  // But only once everything printed has been written, however slowly stdout is read.
  await exitWhenFlushed(code);
}

function readVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
