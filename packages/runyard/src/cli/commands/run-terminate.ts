import { findRun, type GlobalOptions, noRunIn, withExistingInstance } from '../command-context.js';

export default async function runTerminate(args: string[], opts: Record<string, unknown>, globals: GlobalOptions) {
  const result = await withExistingInstance(globals, noRunIn(String(args[0])), async (instance) => {
    const run = await findRun(instance, String(args[0]));
    return instance.terminateRun(run.runId, { force: Boolean(opts.force) });
  });
  process.stdout.write(`${result.message}\n`);
  return 0;
}
