import { loadCodeLocation } from '../../code-location/load-code-location.js';
import { executeJob } from '../../engine/execute-job.js';
import { validateRunConfig } from '../../engine/run-config.js';
import { resolveSelection } from '../../selection/resolve-selection.js';
import { createRunIOManager } from '../../worker/run-io-manager.js';
import { EXIT, UsageError } from '../cli-error.js';
import { findRun, type GlobalOptions, openInstance, parseTags } from '../command-context.js';
import { formatEvent } from '../event-printer.js';
import { readRunConfigFiles } from '../run-config-file.js';
import { formatDuration, paint, statusColor } from '../style.js';

export default async function jobExecute(_args: string[], opts: Record<string, unknown>, globals: GlobalOptions) {
  const location = await loadCodeLocation(String(opts.file));
  const job = location.getJob(String(opts.job));
  const runConfig = await readRunConfigFiles(opts.config as string[]);
  const tags = parseTags(opts.tag as string[]);
  // Checked before the instance is opened, so bad config writes nothing at all.
  validateRunConfig(job, runConfig);

  const json = Boolean(opts.json);
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);

  const selection = opts.select === undefined ? undefined : String(opts.select);
  if (opts.fromRun !== undefined && selection === undefined)
    throw new UsageError('--from-run reads the steps outside a selection from that run; give --select too');
  // The selection's terms too are checked before anything is written.
  if (selection !== undefined) resolveSelection(job.graph, selection, `job '${job.name}': step selection`);

  const instance = await openInstance(globals);
  try {
    const fromRun = opts.fromRun === undefined ? undefined : await findRun(instance, String(opts.fromRun));
    const result = await executeJob(job, {
      selection,
      fromRun,
      // Reading a parent run's outputs needs the instance's IO manager; without one, outputs stay in memory.
      ...(fromRun ? { io: await createRunIOManager(instance) } : {}),
      runConfig,
      tags,
      instance,
      signal: controller.signal,
      // So run monitoring fails the run if this process is killed, as it would a launched run's worker.
      heartbeat: true,
      origin: { codeLocation: location.path, source: 'cli' },
      onEvent: (event) => process.stdout.write(`${formatEvent(event, { json })}\n`),
    });
    if (!json) {
      const run = result.run;
      const took = run.startTime && run.endTime ? ` in ${formatDuration(run.endTime - run.startTime)}` : '';
      process.stdout.write(`run ${run.runId} ${paint(run.status, statusColor(run.status))}${took}\n`);
    }
    return result.success ? EXIT.ok : EXIT.failed;
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
    await instance.dispose();
  }
}
