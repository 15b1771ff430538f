import { loadCodeLocation } from '../../code-location/load-code-location.js';
import { watchWaitedRun } from '../../daemon/monitoring/watch-waited-run.js';
import { checkSelectedRunInputs, newRunForJob } from '../../launch/submit-run.js';
import { fromRunTags } from '../../retries/retry-tags.js';
import { followRun } from '../../runs/follow-run.js';
import type { RunRecord } from '../../runs/run-record.js';
import { EXIT, UsageError } from '../cli-error.js';
import { findRun, type GlobalOptions, openInstance, parseTags, printJson } from '../command-context.js';
import { formatEvent } from '../event-printer.js';
import { StepProgress } from '../progress.js';
import { readRunConfigFiles } from '../run-config-file.js';
import { formatDuration, paint, statusColor } from '../style.js';

export default async function jobLaunch(_args: string[], opts: Record<string, unknown>, globals: GlobalOptions) {
  const location = await loadCodeLocation(String(opts.file));
  const job = location.getJob(String(opts.job));
  const selection = opts.select === undefined ? undefined : String(opts.select);
  if (opts.fromRun !== undefined && selection === undefined)
    throw new UsageError('--from-run reads the steps outside a selection from that run; give --select too');
  const runConfig = await readRunConfigFiles(opts.config as string[]);
  const tags = parseTags(opts.tag as string[]);
  // Config, tags and the selection's terms are checked before the instance is opened.
  newRunForJob({ job, codeLocation: location.path, source: 'cli', runConfig, tags, selection });
  const json = Boolean(opts.json);

  const instance = await openInstance(globals);
  try {
    const parent = opts.fromRun === undefined ? undefined : await findRun(instance, String(opts.fromRun));
    const newRun = newRunForJob({
      job,
      codeLocation: location.path,
      source: 'cli',
      runConfig,
      tags: { ...tags, ...(parent ? fromRunTags(parent) : {}) },
      selection,
      ...(parent ? { parentRunId: parent.runId, rootRunId: parent.rootRunId ?? parent.runId } : {}),
    });
    // Outputs the selected steps read from outside the selection must exist before the run does.
    await checkSelectedRunInputs(instance, job, newRun, parent);
    const submitted = await instance.submitRun(newRun);
    if (!opts.wait) {
      if (json)
        printJson({ runId: submitted.runId, status: submitted.status, statusReason: submitted.statusReason ?? null });
      else process.stdout.write(`${submitted.runId}\n`);
      if (submitted.status === 'FAILURE' && !json) printLaunchFailure(submitted);
      return submitted.status === 'FAILURE' ? EXIT.failed : EXIT.ok;
    }

    if (submitted.status === 'FAILURE') {
      if (json)
        printJson({ runId: submitted.runId, status: submitted.status, statusReason: submitted.statusReason ?? null });
      else printLaunchFailure(submitted);
      return EXIT.failed;
    }
    if (!json) process.stdout.write(`launched run ${submitted.runId}\n`);
    const progress = new StepProgress();
    // Ctrl-C stops following, not the run: it has its own worker and goes on.
    const stop = new AbortController();
    const onInterrupt = () => stop.abort();
    process.once('SIGINT', onInterrupt);
    // With no daemon running, nobody else would notice a dead worker: the wait checks it itself.
    const watching = new AbortController();
    const watch = watchWaitedRun(instance, submitted.runId, {
      signal: AbortSignal.any([stop.signal, watching.signal]),
      log: (line) => process.stderr.write(`runyard: ${line}\n`),
    });
    const run = await followRun(instance.storage, submitted.runId, {
      signal: stop.signal,
      note: (line) => process.stderr.write(`${line}\n`),
      onEvent: (event) =>
        json ? process.stdout.write(`${formatEvent(event, { json })}\n`) : progress.print(formatEvent(event), event),
    });
    watching.abort();
    await watch;
    process.off('SIGINT', onInterrupt);
    progress.end();
    if (!run) return EXIT.failed;
    if (stop.signal.aborted && run.status !== 'SUCCESS') {
      process.stderr.write(
        `stopped following run ${run.runId} (${run.status}); the run goes on. Follow it again with: runyard run logs ${run.runId} --follow; stop it with: runyard run terminate ${run.runId}\n`,
      );
      return EXIT.interrupted;
    }
    if (!json) {
      const took = run.startTime && run.endTime ? ` in ${formatDuration(run.endTime - run.startTime)}` : '';
      process.stdout.write(
        `run ${run.runId} ${paint(run.status, statusColor(run.status))}${took} (${progress.summary()})\n`,
      );
    }
    return run.status === 'SUCCESS' ? EXIT.ok : EXIT.failed;
  } finally {
    await instance.dispose();
  }
}

/** A run that failed at launch (the launcher threw): the reason, which is all the user needs. */
function printLaunchFailure(run: RunRecord): void {
  process.stderr.write(
    `runyard: run ${run.runId} failed to launch: ${run.statusReason ?? 'no reason recorded'}\n  see: runyard run logs ${run.runId}\n`,
  );
}
