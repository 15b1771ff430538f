import { retryRun } from '../../retries/retry-run.js';
import { EXIT } from '../cli-error.js';
import { findRun, type GlobalOptions, noRunIn, printJson, withExistingInstance } from '../command-context.js';

/**
 * `runyard run retry <runId> [--from-failure] [--select <selection>] [--json]`: a new run of the
 * same job, config and tags, linked to the run it retries; prints its id. With --from-failure the
 * steps that succeeded before are not run again (their outputs are reused); with --select only the
 * selected steps run, reading the others' outputs from the run retried; otherwise every step runs.
 */
export default async function runRetry(args: string[], opts: Record<string, unknown>, globals: GlobalOptions) {
  const strategy = opts.fromFailure ? 'from-failure' : 'all-steps';
  const selection = opts.select === undefined ? undefined : String(opts.select);
  const { run, parent } = await withExistingInstance(globals, noRunIn(String(args[0])), async (instance) => {
    const parent = await findRun(instance, String(args[0]));
    const { run } = await retryRun(instance, parent, { strategy, source: 'cli', selection });
    return { run, parent };
  });
  if (opts.json)
    printJson({
      runId: run.runId,
      parentRunId: parent.runId,
      strategy,
      selection: selection ?? null,
      status: run.status,
      statusReason: run.statusReason ?? null,
    });
  else process.stdout.write(`${run.runId}\n`);
  return run.status === 'FAILURE' ? EXIT.failed : EXIT.ok;
}
