import { Instance } from '../../instance/instance.js';
import { runWorker } from '../../worker/run-worker.js';
import type { GlobalOptions } from '../command-context.js';
import { resolveHome } from '../command-context.js';

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
