import { groupSteps } from '../../events/step-groups.js';
import { type StepStats, stepStatsFromEvents } from '../../events/step-stats.js';
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
    // Mapped steps (`load[a.csv]`) are also counted under their node, by status.
    const mapped = Object.fromEntries(
      groupSteps(steps)
        .filter((g) => g.mapped)
        .map((g) => [g.node, { steps: g.steps.length, status: g.status, counts: g.counts }]),
    );
    printJson({ ...run, steps, mappedSteps: mapped });
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
    // A node inside a map() shows as one row, `load[…]`, with its steps counted by status; each
    // step on its own row below it with --mapped.
    const rows: string[][] = [];
    for (const group of groupSteps(steps)) {
      if (!group.mapped) {
        rows.push(...group.steps.map((s) => stepRow(s.stepKey, s)));
        continue;
      }
      const counts = Object.entries(group.counts)
        .map(([status, n]) => `${n} ${paint(status, colorOf(status as StepStats['status']))}`)
        .join(', ');
      const attempts = group.steps.reduce((n, s) => n + s.attempts, 0);
      const starts = group.steps.flatMap((s) => (s.startTime === undefined ? [] : [s.startTime]));
      const ends = group.steps.flatMap((s) => (s.endTime === undefined ? [] : [s.endTime]));
      const span = starts.length && ends.length ? Math.max(...ends) - Math.min(...starts) : undefined;
      rows.push([`${group.node}[…] ×${group.steps.length}`, counts, String(attempts), formatDuration(span)]);
      if (opts.mapped) rows.push(...group.steps.map((s) => stepRow(`  ${s.stepKey}`, s)));
    }
    process.stdout.write(`\n${table(['STEP', 'STATUS', 'ATTEMPTS', 'DURATION'], rows)}\n`);
  }
  return 0;
}

function stepRow(label: string, s: StepStats): string[] {
  return [
    label,
    `${paint(s.status, colorOf(s.status))}${s.waitingReason ? ` (${s.waitingReason})` : ''}`,
    String(s.attempts),
    formatDuration(s.startTime !== undefined && s.endTime !== undefined ? s.endTime - s.startTime : undefined),
  ];
}

function colorOf(status: StepStats['status']) {
  return status === 'SUCCESS'
    ? 'green'
    : status === 'FAILURE' || status === 'ABANDONED'
      ? 'red'
      : status === 'SKIPPED' || status === 'CANCELED'
        ? 'yellow'
        : status === 'NOT_STARTED'
          ? 'gray'
          : 'blue';
}
