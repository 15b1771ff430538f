import type { RunFilter } from '../runs/run-record.js';
import { isRunStatus, RUN_STATUSES, type RunStatus } from '../runs/run-status.js';
import { badRequest } from './http-error.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** `?status=A,B&status=C&job=J&tag=k=v&id=3f2a&createdAfter=ms&createdBefore=ms` as a RunFilter; a bad value is a 400 that names it. */
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
  // `id`: the first characters of a run id, as people paste them.
  const id = query.get('id')?.trim().toLowerCase();
  if (id && !/^[0-9a-f-]{1,36}$/.test(id)) throw badRequest(`id '${id}' is not the start of a run id`);
  const createdAfter = timeParam(query, 'createdAfter');
  const createdBefore = timeParam(query, 'createdBefore');
  return {
    ...(statuses.length ? { statuses } : {}),
    ...(job ? { jobName: job } : {}),
    ...(Object.keys(tags).length ? { tags } : {}),
    ...(id ? { runIdPrefix: id } : {}),
    ...(createdAfter !== undefined ? { createdAfter } : {}),
    ...(createdBefore !== undefined ? { createdBefore } : {}),
  };
}

/** A time in milliseconds since the epoch; absent when the parameter is. */
function timeParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw badRequest(`${name} must be a time in milliseconds since 1970, got '${raw}'`);
  return value;
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
