import { useState } from 'react';
import { ApiError, api } from '../api/client';
import type { Schedule, Tick } from '../api/types';
import { ErrorInfoView } from '../components/ErrorInfoView';
import { Empty, ErrorBanner, Loading } from '../components/Feedback';
import { StatusBadge } from '../components/StatusBadge';
import { useApi } from '../hooks/use-api';
import { useNow } from '../hooks/use-now';
import { formatDateTime, formatRelative, shortId } from '../lib/format';
import { Link } from '../router/router';

export function SchedulesPage() {
  // Ticks happen on the daemon's clock; a short poll keeps next-tick and recent ticks current.
  const list = useApi((signal) => api.schedules(signal), [], { pollMs: 5000 });
  const now = useNow(1000);
  return (
    <div className="page" data-testid="schedules-page">
      <div className="page-head">
        <h1>Schedules</h1>
      </div>
      {list.error && <ErrorBanner error={list.error} />}
      {!list.data && !list.error && <Loading what="schedules" />}
      {list.data && list.data.schedules.length === 0 && (
        <Empty testId="schedules-empty">The code location defines no schedules.</Empty>
      )}
      <div className="schedule-list">
        {list.data?.schedules.map((s) => (
          <ScheduleCard key={s.name} schedule={s} now={now} onChanged={list.reload} />
        ))}
      </div>
    </div>
  );
}

function ScheduleCard({ schedule, now, onChanged }: { schedule: Schedule; now: number; onChanged: () => void }) {
  // Show the toggle's answer at once; the next poll confirms it.
  const [override, setOverride] = useState<Schedule | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  // A fresh poll result replaces the toggle's answer (adjusting state while rendering, as React advises).
  const [seen, setSeen] = useState(schedule);
  if (seen !== schedule) {
    setSeen(schedule);
    setOverride(null);
  }
  const s = override ?? schedule;
  const running = s.status === 'RUNNING';
  // The listing carries the newest five ticks; more are fetched on request.
  const [older, setOlder] = useState<Tick[] | null>(null);
  const ticks = older ?? s.recentTicks;
  const loadOlder = () =>
    api.ticks(s.name, 20).then(
      (r) => setOlder(r.ticks),
      (err: unknown) => setError(err instanceof Error ? err : new Error(String(err))),
    );

  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      const res = running ? await api.stopSchedule(s.name) : await api.startSchedule(s.name);
      setOverride(res.schedule);
      onChanged();
    } catch (err) {
      setError(err instanceof Error ? err : new ApiError(0, 'UNKNOWN', String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card schedule" data-testid={`schedule-${s.name}`} data-status={s.status}>
      <div className="schedule-head">
        <div>
          <h2>{s.name}</h2>
          {s.description && <p className="muted">{s.description}</p>}
        </div>
        <label className="switch" title={running ? 'Stop this schedule' : 'Start this schedule'}>
          <input
            type="checkbox"
            role="switch"
            aria-checked={running}
            checked={running}
            disabled={busy}
            onChange={toggle}
            data-testid={`schedule-toggle-${s.name}`}
          />
          <span className="switch-track" aria-hidden="true" />
          <span data-testid={`schedule-status-${s.name}`}>{running ? 'Running' : 'Stopped'}</span>
        </label>
      </div>
      {error && <ErrorBanner error={error} />}
      <dl className="kv kv-row">
        <dt>Job</dt>
        <dd>
          <Link to={`/jobs/${encodeURIComponent(s.jobName)}`}>{s.jobName}</Link>
        </dd>
        <dt>Cron</dt>
        <dd className="mono" data-testid={`schedule-cron-${s.name}`}>
          {s.cron}
        </dd>
        <dt>Timezone</dt>
        <dd>{s.timezone}</dd>
        <dt>Next tick</dt>
        <dd data-testid={`schedule-next-${s.name}`}>
          {running && s.nextTickAt ? (
            <>
              {formatDateTime(s.nextTickAt)} <span className="muted">({formatRelative(s.nextTickAt, now)})</span>
            </>
          ) : (
            <span className="muted">{running ? '–' : 'not scheduled while stopped'}</span>
          )}
        </dd>
        <dt>Last tick</dt>
        <dd>{s.lastTickAt ? formatDateTime(s.lastTickAt) : <span className="muted">never</span>}</dd>
      </dl>
      <h3>Recent ticks</h3>
      {ticks.length === 0 ? (
        <p className="muted small">No ticks yet.</p>
      ) : (
        <table className="table table-compact" data-testid={`schedule-ticks-${s.name}`}>
          <tbody>
            {ticks.map((t) => (
              <TickRow key={t.id} tick={t} />
            ))}
          </tbody>
        </table>
      )}
      {!older && s.recentTicks.length >= 5 && (
        <button
          type="button"
          className="btn btn-link small"
          onClick={loadOlder}
          data-testid={`schedule-more-${s.name}`}
        >
          Show more ticks
        </button>
      )}
    </section>
  );
}

function TickRow({ tick }: { tick: Tick }) {
  return (
    <tr data-testid="tick-row" data-status={tick.status}>
      <td className="nowrap">{formatDateTime(tick.tickAt)}</td>
      <td>
        <StatusBadge status={tick.status} />
      </td>
      <td>
        {tick.runIds.map((id) => (
          <Link key={id} to={`/runs/${id}`} className="mono run-chip">
            {shortId(id)}
          </Link>
        ))}
        {tick.skipReason && <span className="muted">{tick.skipReason}</span>}
        {tick.error && <ErrorInfoView error={tick.error} />}
      </td>
    </tr>
  );
}
