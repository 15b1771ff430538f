import { loadCodeLocation } from '../../code-location/load-code-location.js';
import type { GlobalOptions } from '../command-context.js';
import { printJson } from '../command-context.js';
import { table } from '../style.js';

export default async function jobList(_args: string[], opts: Record<string, unknown>, _globals: GlobalOptions) {
  const location = await loadCodeLocation(String(opts.file));
  const jobs = [...location.definitions.jobs.values()];
  if (opts.json) {
    printJson(
      jobs.map((job) => ({
        name: job.name,
        description: job.description ?? null,
        tags: job.tags,
        executor: job.executor,
        steps: job.graph.order.map((key) => {
          const step = job.graph.steps.get(key);
          return { key, op: step?.op.name, upstream: step?.upstream ?? [] };
        }),
        schedules: [...location.definitions.schedules.values()].filter((s) => s.job === job).map((s) => s.name),
      })),
    );
    return 0;
  }
  if (jobs.length === 0) {
    process.stdout.write(`${location.target} defines no jobs\n`);
    return 0;
  }
  process.stdout.write(
    `${table(
      ['JOB', 'STEPS', 'EXECUTOR', 'DESCRIPTION'],
      jobs.map((j) => [j.name, String(j.graph.order.length), j.executor.type, j.description ?? '']),
    )}\n`,
  );
  return 0;
}
