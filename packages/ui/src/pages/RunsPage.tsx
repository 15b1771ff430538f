import { useMemo, useState } from 'react';
import { api } from '../api/client';
import { RUN_STATUSES, type Run, type RunFilters, type RunStatus } from '../api/types';
import { Empty, ErrorBanner, Loading } from '../components/Feedback';
import { RunSearchFields } from '../components/RunSearchFields';
import { StatusBadge } from '../components/StatusBadge';
import { useApi } from '../hooks/use-api';
import { useNow } from '../hooks/use-now';
import { useRunsStream } from '../hooks/use-runs-stream';
import { useThrottledCallback } from '../hooks/use-throttled-callback';
import { formatDateTime, formatDuration, shortId } from '../lib/format';
import { matchingCount, parseRunFilters, runFiltersToSearch } from '../lib/run-filters';
import { isTerminal } from '../lib/run-status';
import { Link, navigate, useLocation } from '../router/router';

const PAGE_SIZES = [25, 50, 100, 200];

export function RunsPage() {
  const { search } = useLocation();
  const filters = parseRunFilters(search);
  const filterKey = runFiltersToSearch(filters);
  const [limit, setLimit] = useState(50);
  // Cursor pagination has no "page 7"; keep the cursors that led here to go back.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [pageKey, setPageKey] = useState(filterKey);
  if (pageKey !== filterKey) {
    setPageKey(filterKey);
    setCursors([null]);
  }
  const cursor = cursors[cursors.length - 1] ?? null;

  const page = useApi((signal) => api.runs(filters, { limit, cursor }, signal), [filterKey, limit, cursor]);
  const counts = useApi((signal) => api.runCounts(filters, signal), [filterKey]);
  const jobs = useApi((signal) => api.jobs(signal), []);
  const [live, setLive] = useState<Map<string, Run>>(new Map());

  const refresh = useThrottledCallback(() => {
    counts.reload();
    // Later pages stay put while runs change, so reading page 7 is not disturbed by new runs.
    if (cursors.length === 1) page.reload();
  }, 1000);
  useRunsStream((run) => {
    setLive((prev) => new Map(prev).set(run.runId, run));
    refresh();
  });

  const rows = useMemo(
    () =>
      (page.data?.runs ?? []).map((r) => {
        const newer = live.get(r.runId);
        return newer && newer.updatedAt >= r.updatedAt ? newer : r;
      }),
    [page.data, live],
  );
  const anyLive = rows.some((r) => !isTerminal(r.status));
  const now = useNow(1000, anyLive);

  const setFilters = (next: RunFilters) => navigate(`/runs${runFiltersToSearch(next)}`);
  const toggleStatus = (s: RunStatus) =>
    setFilters({
      ...filters,
      statuses: filters.statuses.includes(s) ? filters.statuses.filter((x) => x !== s) : [...filters.statuses, s],
    });
  const addTag = (tag: string) => {
    if (!filters.tags.includes(tag)) setFilters({ ...filters, tags: [...filters.tags, tag] });
  };

  const total = counts.data ? matchingCount(counts.data, filters.statuses) : undefined;
  const pageIndex = cursors.length - 1;
  const first = pageIndex * limit + 1;
  const hasFilters =
    filters.statuses.length > 0 ||
    !!filters.job ||
    filters.tags.length > 0 ||
    !!filters.id ||
    !!filters.from ||
    !!filters.to;

  return (
    <div className="page" data-testid="runs-page">
      <div className="page-head">
        <h1>Runs</h1>
        <Link to="/launchpad" className="btn btn-primary" data-testid="runs-launch">
          Launch a run
        </Link>
      </div>

      <div className="filters card" data-testid="runs-filters">
        <fieldset className="status-chips">
          <legend className="sr-only">Status</legend>
          {RUN_STATUSES.map((s) => (
            <button
              type="button"
              key={s}
              className={`chip status-chip${filters.statuses.includes(s) ? ' on' : ''}`}
              aria-pressed={filters.statuses.includes(s)}
              onClick={() => toggleStatus(s)}
              data-testid={`filter-status-${s}`}
            >
              <StatusBadge status={s} />
              <span className="count" data-testid={`count-status-${s}`}>
                {counts.data?.byStatus[s] ?? 0}
              </span>
            </button>
          ))}
        </fieldset>
        <div className="filter-row">
          <label className="field-inline">
            Job
            <select
              className="input"
              value={filters.job ?? ''}
              onChange={(e) => {
                const { job: _old, ...rest } = filters;
                setFilters(e.target.value ? { ...rest, job: e.target.value } : rest);
              }}
              data-testid="filter-job"
            >
              <option value="">All jobs</option>
              {jobs.data?.jobs.map((j) => (
                <option key={j.name} value={j.name}>
                  {j.name}
                </option>
              ))}
              {filters.job && !jobs.data?.jobs.some((j) => j.name === filters.job) && (
                <option value={filters.job}>{filters.job}</option>
              )}
            </select>
          </label>
          <TagFilterInput onAdd={addTag} />
          <RunSearchFields filters={filters} onChange={setFilters} />
          {filters.tags.map((t) => (
            <button
              type="button"
              key={t}
              className="chip on mono"
              onClick={() => setFilters({ ...filters, tags: filters.tags.filter((x) => x !== t) })}
              title="Remove this tag filter"
              data-testid={`filter-tag-chip-${t}`}
            >
              {t} ✕
            </button>
          ))}
          {hasFilters && (
            <button type="button" className="btn btn-link" onClick={() => navigate('/runs')} data-testid="filter-clear">
              Clear filters
            </button>
          )}
        </div>
      </div>

      {page.error && <ErrorBanner error={page.error} />}
      {!page.data && !page.error && <Loading what="runs" />}
      {page.data && rows.length === 0 && (
        <Empty testId="runs-empty">{hasFilters ? 'No runs match these filters.' : 'No runs yet. Launch one!'}</Empty>
      )}
      {rows.length > 0 && (
        <table className="table" data-testid="runs-table">
          <thead>
            <tr>
              <th>Run</th>
              <th>Job</th>
              <th>Status</th>
              <th>Launcher</th>
              <th>Created</th>
              <th>Duration</th>
              <th>Tags</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.runId} data-testid={`run-row-${r.runId}`} data-status={r.status}>
                <td>
                  <Link to={`/runs/${r.runId}`} className="mono" data-testid="run-link">
                    {shortId(r.runId)}
                  </Link>
                </td>
                <td>
                  <Link to={`/jobs/${encodeURIComponent(r.jobName)}`}>{r.jobName}</Link>
                </td>
                <td>
                  <StatusBadge status={r.status} testId="run-row-status" />
                  {r.statusReason && !isTerminal(r.status) && (
                    <div className="muted small reason" title={r.statusReason}>
                      {r.statusReason}
                    </div>
                  )}
                </td>
                <td className="mono small" data-testid="run-row-launcher">
                  {r.tags['runyard/launcher'] ?? '–'}
                </td>
                <td className="nowrap">{formatDateTime(r.createdAt)}</td>
                <td className="nowrap mono">{r.startTime ? formatDuration((r.endTime ?? now) - r.startTime) : '–'}</td>
                <td>
                  <div className="tag-list">
                    {Object.entries(r.tags).map(([k, v]) => (
                      <button
                        type="button"
                        key={k}
                        className="tag"
                        title="Filter by this tag"
                        onClick={() => addTag(`${k}=${v}`)}
                      >
                        {k}={v}
                      </button>
                    ))}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <div className="pager" data-testid="runs-pager">
        <button
          type="button"
          className="btn"
          disabled={pageIndex === 0}
          onClick={() => setCursors((c) => c.slice(0, -1))}
          data-testid="page-prev"
        >
          ← Newer
        </button>
        <span data-testid="page-info">
          {rows.length > 0 ? `${first}–${first + rows.length - 1}` : '0'}
          {total !== undefined ? ` of ${total}` : ''} · page {pageIndex + 1}
          {total !== undefined ? ` of ${Math.max(1, Math.ceil(total / limit))}` : ''}
        </span>
        <button
          type="button"
          className="btn"
          disabled={!page.data?.nextCursor}
          onClick={() => {
            const next = page.data?.nextCursor;
            if (next) setCursors((c) => [...c, next]);
          }}
          data-testid="page-next"
        >
          Older →
        </button>
        <label className="field-inline">
          Per page
          <select
            className="input"
            value={limit}
            onChange={(e) => {
              setLimit(Number(e.target.value));
              setCursors([null]);
            }}
            data-testid="page-size"
          >
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </div>
    </div>
  );
}

function TagFilterInput({ onAdd }: { onAdd: (tag: string) => void }) {
  const [text, setText] = useState('');
  const valid = /^[^=\s][^=]*=.*$/.test(text.trim());
  return (
    <form
      className="field-inline"
      onSubmit={(e) => {
        e.preventDefault();
        if (!valid) return;
        onAdd(text.trim());
        setText('');
      }}
    >
      Tag
      <input
        className="input mono"
        placeholder="key=value"
        value={text}
        onChange={(e) => setText(e.target.value)}
        data-testid="filter-tag-input"
      />
      <button type="submit" className="btn btn-small" disabled={!valid} data-testid="filter-tag-add">
        Add
      </button>
    </form>
  );
}
