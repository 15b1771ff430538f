import type { RunStatus } from '../../runs/run-status.js';
import { UsageError } from '../cli-error.js';
import { type GlobalOptions, parseTags, printJson, withInstance } from '../command-context.js';
import { formatDuration, formatTime, paint, statusColor, table } from '../style.js';

export default async function runList(_args: string[], opts: Record<string, unknown>, globals: GlobalOptions) {
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a whole number ≥ 1, got ${JSON.stringify(opts.limit)}`);
  const statuses = opts.status as RunStatus[];
  const tags = parseTags(opts.tag as string[]);
  const runs = await withInstance(globals, (instance) =>
    instance.storage.runs.listRuns({
      limit,
      ...(statuses.length ? { statuses } : {}),
      ...(opts.job ? { jobName: String(opts.job) } : {}),
      ...(Object.keys(tags).length ? { tags } : {}),
    }),
  );
  if (opts.json) {
    printJson(runs);
    return 0;
  }
  if (runs.length === 0) {
    process.stdout.write('no runs\n');
    return 0;
  }
  const rows = runs.map((r) => [
    r.runId,
    r.jobName,
    paint(r.status, statusColor(r.status)),
    formatTime(r.createdAt),
    formatDuration(r.startTime !== undefined ? (r.endTime ?? Date.now()) - r.startTime : undefined),
  ]);
  process.stdout.write(`${table(['RUN ID', 'JOB', 'STATUS', 'CREATED', 'DURATION'], rows)}\n`);
  return 0;
}
