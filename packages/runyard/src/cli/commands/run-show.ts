import { stepStatsFromEvents } from '../../events/step-stats.js';
import { SELECTED_STEPS_TAG, STEP_SELECTION_TAG } from '../../selection/selection-tags.js';
import { findRun, type GlobalOptions, noRunIn, printJson, withExistingInstance } from '../command-context.js';
import { formatDuration, formatTime, paint, statusColor, table } from '../style.js';

export default async function runShow(args: string[], opts: Record<string, unknown>, globals: GlobalOptions) {
  const { run, steps } = await withExistingInstance(globals, noRunIn(String(args[0])), async (instance) => {
    const run = await findRun(instance, String(args[0]));
    const events = await instance.storage.events.getEvents(run.runId);
    return { run, steps: stepStatsFromEvents(events) };
  });
  if (opts.json) {
    printJson({ ...run, steps });
    return 0;
  }
  const lines = [
    `run        ${run.runId}`,
    `job        ${run.jobName}`,
    `status     ${paint(run.status, statusColor(run.status))}${run.statusReason ? ` (${run.statusReason})` : ''}`,
    `created    ${formatTime(run.createdAt)}`,
    `started    ${formatTime(run.startTime)}`,
    `ended      ${formatTime(run.endTime)}`,
    `duration   ${formatDuration(run.startTime !== undefined ? (run.endTime ?? Date.now()) - run.startTime : undefined)}`,
    `origin     ${run.origin.codeLocation} (${run.origin.source})`,
    `tags       ${
      Object.entries(run.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || '-'
    }`,
  ];
  if (run.parentRunId) lines.push(`parent     ${run.parentRunId}`);
  if (run.tags[STEP_SELECTION_TAG] !== undefined)
    lines.push(`selection  ${run.tags[STEP_SELECTION_TAG]} (steps: ${run.tags[SELECTED_STEPS_TAG] ?? '?'})`);
  if (run.worker) lines.push(`worker     ${JSON.stringify(run.worker)}`);
  if (Object.keys(run.runConfig).length) lines.push(`config     ${JSON.stringify(run.runConfig)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (steps.length) {
    const rows = steps.map((s) => [
      s.stepKey,
      paint(
        s.status,
        s.status === 'SUCCESS'
          ? 'green'
          : s.status === 'FAILURE' || s.status === 'ABANDONED'
            ? 'red'
            : s.status === 'SKIPPED' || s.status === 'CANCELED'
              ? 'yellow'
              : s.status === 'NOT_STARTED'
                ? 'gray'
                : 'blue',
      ),
      String(s.attempts),
      formatDuration(s.startTime !== undefined && s.endTime !== undefined ? s.endTime - s.startTime : undefined),
    ]);
    process.stdout.write(`\n${table(['STEP', 'STATUS', 'ATTEMPTS', 'DURATION'], rows)}\n`);
  }
  return 0;
}
