import { IN_PROGRESS_STATUSES } from '../../runs/run-status.js';
import { UsageError } from '../cli-error.js';
import { findRun, type GlobalOptions, noRunIn, withExistingInstance } from '../command-context.js';

export default async function runDelete(args: string[], opts: Record<string, unknown>, globals: GlobalOptions) {
  await withExistingInstance(globals, noRunIn(String(args[0])), async (instance) => {
    const run = await findRun(instance, String(args[0]));
    if (IN_PROGRESS_STATUSES.includes(run.status) && !opts.force)
      throw new UsageError(
        `run ${run.runId} is ${run.status}; terminate it first, or pass --force to delete its record while it runs`,
      );
    await instance.storage.runs.deleteRun(run.runId);
    process.stdout.write(`deleted run ${run.runId}\n`);
  });
  return 0;
}
