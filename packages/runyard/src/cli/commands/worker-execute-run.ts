import { Instance } from '../../instance/instance.js';
import { runWorker } from '../../worker/run-worker.js';
import { reportError } from '../cli-error.js';
import type { GlobalOptions } from '../command-context.js';
import { resolveHome } from '../command-context.js';
import type { WorkerCommandLine } from '../fast-start.js';
import { exitWhenFlushed, guardStdio } from '../stdio-exit.js';

/**
 * The run worker's entry point, run by every launcher. The instance comes from RUNYARD_INSTANCE
 * (set by the launcher), else from --home / RUNYARD_HOME. Events go to storage, not stdout: the
 * process's own output is the run's compute log.
 */
export default async function workerExecuteRun(args: string[], opts: Record<string, unknown>, globals: GlobalOptions) {
  const instance = process.env.RUNYARD_INSTANCE
    ? await Instance.fromEnv()
    : await Instance.open({ home: resolveHome(globals), createHome: false });
  try {
    const result = await runWorker({ instance, runId: String(args[0]), resume: Boolean(opts.resume) });
    if (result.refused) process.stderr.write(`runyard worker: ${result.refused}\n`);
    return result.exitCode;
  } finally {
    await instance.dispose();
  }
}

/**
 * The same command, called by bin/runyard.js without commander when the command line has the
 * plain form launchers give it: loading and running commander would add to every run's startup.
 * Ends the process as main() does.
 */
export async function runWorkerCommandLine(line: WorkerCommandLine): Promise<never> {
  guardStdio();
  let code: number;
  try {
    const globals: GlobalOptions = line.home === undefined ? {} : { home: line.home };
    code = await workerExecuteRun([line.runId], { resume: line.resume }, globals);
  } catch (error) {
    code = reportError(error);
  }
  return exitWhenFlushed(code);
}
