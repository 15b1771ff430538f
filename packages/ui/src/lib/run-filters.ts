/**
 * Run filters live in the address (?status=FAILURE&job=etl&tag=team=data&id=3f2a&from=2025-01-31), so a filtered
 * list can be linked to and survives a reload. These two functions are the only place that knows
 * the format.
 */
import { RUN_STATUSES, type RunFilters, type RunStatus } from '../api/types';

const KNOWN = new Set<string>(RUN_STATUSES);

export function parseRunFilters(search: URLSearchParams): RunFilters {
  const statuses = search
    .getAll('status')
    .flatMap((s) => s.split(','))
    .map((s) => s.trim().toUpperCase())
    .filter((s): s is RunStatus => KNOWN.has(s));
  const job = search.get('job')?.trim() || undefined;
  const tags = search
    .getAll('tag')
    .map((t) => t.trim())
    .filter((t) => /^[^=]+=/.test(t));
  const filters: RunFilters = { statuses: [...new Set(statuses)], tags: [...new Set(tags)] };
  if (job) filters.job = job;
  const id = search.get('id')?.trim().toLowerCase();
  if (id && /^[0-9a-f-]+$/.test(id)) filters.id = id;
  for (const key of ['from', 'to'] as const) {
    const day = search.get(key)?.trim();
    if (day && /^\d{4}-\d{2}-\d{2}$/.test(day)) filters[key] = day;
  }
  return filters;
}

export function runFiltersToSearch(filters: RunFilters): string {
  const q = new URLSearchParams();
  if (filters.statuses.length) q.set('status', filters.statuses.join(','));
  if (filters.job) q.set('job', filters.job);
  for (const t of filters.tags) q.append('tag', t);
  if (filters.id) q.set('id', filters.id);
  if (filters.from) q.set('from', filters.from);
  if (filters.to) q.set('to', filters.to);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** How many runs the filters match, from /api/runs/counts (which ignores `status`). */
export function matchingCount(
  counts: { total: number; byStatus: Partial<Record<RunStatus, number>> },
  statuses: readonly RunStatus[],
): number {
  if (statuses.length === 0) return counts.total;
  return statuses.reduce((sum, s) => sum + (counts.byStatus[s] ?? 0), 0);
}
