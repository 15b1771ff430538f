import type { RunFilter } from '../runs/run-record.js';
import { isRunStatus, RUN_STATUSES, type RunStatus } from '../runs/run-status.js';
import { badRequest } from './http-error.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** `?status=A,B&status=C&job=J&tag=k=v` as a RunFilter; a bad value is a 400 that names it. */
export function runFilterFromQuery(query: URLSearchParams, options: { statuses?: boolean } = {}): RunFilter {
  const statuses: RunStatus[] = [];
  if (options.statuses !== false) {
    for (const value of query.getAll('status').flatMap((v) => v.split(','))) {
      const status = value.trim().toUpperCase();
      if (!status) continue;
      if (!isRunStatus(status))
        throw badRequest(`status '${value}' is not a run status; use one of ${RUN_STATUSES.join(', ')}`);
      statuses.push(status);
    }
  }
  const tags: Record<string, string> = {};
  for (const pair of query.getAll('tag')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw badRequest(`tag '${pair}' must be key=value`);
    tags[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const job = query.get('job');
  return {
    ...(statuses.length ? { statuses } : {}),
    ...(job ? { jobName: job } : {}),
    ...(Object.keys(tags).length ? { tags } : {}),
  };
}

/** An integer query parameter within bounds, or the default when absent. */
export function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw badRequest(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  return value;
}
