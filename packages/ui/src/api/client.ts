/**
 * Typed client for docs/http-api.md. Every page talks to the server through this module only, so
 * the contract lives in one place (with ./types.ts).
 */
import { markUnauthorized } from './auth-state';
import type {
  ConfigIssue,
  DaemonStatus,
  InstanceInfo,
  Job,
  JobLaunchers,
  LaunchRequest,
  Run,
  RunCounts,
  RunEvent,
  RunFilters,
  RunsPage,
  Schedule,
  StepSummary,
  TerminateResult,
  Tick,
  ValidateResponse,
} from './types';

/** A non-2xx answer, carrying the `{ error: { code, message, issues } }` body when there was one. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly issues: ConfigIssue[];
  constructor(status: number, code: string, message: string, issues: ConfigIssue[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.issues = issues;
  }
}

async function errorFrom(res: Response): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let message = res.statusText || `request failed with ${res.status}`;
  let issues: ConfigIssue[] = [];
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; issues?: ConfigIssue[] } };
    if (body?.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
      issues = body.error.issues ?? [];
    }
  } catch {
    // Not JSON (a proxy's error page, say): keep the status text.
  }
  return new ApiError(res.status, code, message, issues);
}

async function request(path: string, init?: RequestInit): Promise<Response> {
  const res = await fetch(path, {
    ...init,
    // The token, if any, travels in the runyard_token cookie that `?token=` set.
    credentials: 'same-origin',
    // x-runyard-client: runs launched or retried from here record `ui` as their origin. Every
    // change carries the JSON content type, body or not: the server refuses changes without it,
    // which is what keeps other web pages from sending them (see docs/security.md).
    headers: {
      'x-runyard-client': 'ui',
      ...(init?.method && init.method !== 'GET' ? { 'content-type': 'application/json' } : {}),
      ...(init?.headers as Record<string, string> | undefined),
    },
  });
  if (res.status === 401) markUnauthorized();
  if (!res.ok) throw await errorFrom(res);
  return res;
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await request(path, signal ? { signal } : undefined);
  return (await res.json()) as T;
}

async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await request(path, { method: 'POST', body: JSON.stringify(body) });
  return (await res.json()) as T;
}

const enc = encodeURIComponent;

/** Query string for the run filters, shared by the list and the counts. */
export function runFilterParams(filters: RunFilters, withStatus = true): URLSearchParams {
  const q = new URLSearchParams();
  if (withStatus && filters.statuses.length > 0) q.set('status', filters.statuses.join(','));
  if (filters.job) q.set('job', filters.job);
  for (const t of filters.tags) q.append('tag', t);
  if (filters.id) q.set('id', filters.id);
  // Days are the browser's: from the start of `from` to the end of `to`, local time.
  const from = filters.from ? dayStart(filters.from) : undefined;
  const to = filters.to ? dayStart(filters.to) : undefined;
  if (from !== undefined) q.set('createdAfter', String(from - 1));
  if (to !== undefined) q.set('createdBefore', String(to + 24 * 3600_000));
  return q;
}

/** Local midnight of a `YYYY-MM-DD` day, in milliseconds; undefined for anything else. */
function dayStart(day: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime();
}

export const api = {
  instance: (signal?: AbortSignal) => getJson<InstanceInfo>('/api/instance', signal),
  daemon: (signal?: AbortSignal) => getJson<DaemonStatus>('/api/daemon', signal),

  jobs: (signal?: AbortSignal) => getJson<{ codeLocation: string | null; jobs: Job[] }>('/api/jobs', signal),
  job: (name: string, signal?: AbortSignal) => getJson<Job>(`/api/jobs/${enc(name)}`, signal),
  jobLaunchers: (name: string, signal?: AbortSignal) =>
    getJson<JobLaunchers>(`/api/jobs/${enc(name)}/launchers`, signal),

  runs(filters: RunFilters, opts: { limit: number; cursor?: string | null }, signal?: AbortSignal) {
    const q = runFilterParams(filters);
    q.set('limit', String(opts.limit));
    if (opts.cursor) q.set('cursor', opts.cursor);
    return getJson<RunsPage>(`/api/runs?${q}`, signal);
  },
  runCounts(filters: RunFilters, signal?: AbortSignal) {
    const q = runFilterParams(filters, false).toString();
    return getJson<RunCounts>(`/api/runs/counts${q ? `?${q}` : ''}`, signal);
  },
  run: (runId: string, signal?: AbortSignal) =>
    getJson<{ run: Run; steps: StepSummary[] }>(`/api/runs/${enc(runId)}`, signal),
  runEvents(runId: string, after?: number, signal?: AbortSignal) {
    const q = after !== undefined ? `?after=${after}` : '';
    return getJson<{ events: RunEvent[]; lastEventId: number | null }>(`/api/runs/${enc(runId)}/events${q}`, signal);
  },
  /** Reads captured output from byte `offset`; `size` is the whole file's size as the server knows it. */
  async computeLog(runId: string, stream: 'stdout' | 'stderr', offset: number, signal?: AbortSignal) {
    const res = await request(`/api/runs/${enc(runId)}/logs/${stream}?offset=${offset}`, signal ? { signal } : {});
    const buf = new Uint8Array(await res.arrayBuffer());
    const header = Number(res.headers.get('x-log-size'));
    return { bytes: buf, size: Number.isFinite(header) && header > 0 ? header : offset + buf.byteLength };
  },

  launch: (body: LaunchRequest) => postJson<{ run: Run }>('/api/runs', body),
  validate: (body: LaunchRequest) => postJson<ValidateResponse>('/api/runs/validate', body),
  terminate: (runId: string, force: boolean) =>
    postJson<{ result: TerminateResult }>(`/api/runs/${enc(runId)}/terminate`, { force }),
  retry: (runId: string, fromFailure: boolean, selection?: string) =>
    postJson<{ run: Run }>(`/api/runs/${enc(runId)}/retry`, {
      fromFailure,
      ...(selection !== undefined ? { selection } : {}),
    }),
  async deleteRun(runId: string): Promise<void> {
    await request(`/api/runs/${enc(runId)}`, { method: 'DELETE' });
  },

  schedules: (signal?: AbortSignal) => getJson<{ schedules: Schedule[] }>('/api/schedules', signal),
  startSchedule: (name: string) => postJson<{ schedule: Schedule }>(`/api/schedules/${enc(name)}/start`, {}),
  stopSchedule: (name: string) => postJson<{ schedule: Schedule }>(`/api/schedules/${enc(name)}/stop`, {}),
  ticks: (name: string, limit = 20, signal?: AbortSignal) =>
    getJson<{ ticks: Tick[] }>(`/api/schedules/${enc(name)}/ticks?limit=${limit}`, signal),
};

/** SSE endpoints; EventSource sends the cookie itself (it cannot set headers). */
export const streams = {
  runs: () => '/api/runs/stream',
  runEvents: (runId: string) => `/api/runs/${enc(runId)}/events/stream`,
};
