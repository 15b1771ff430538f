import { api } from '../api/client';
import type { DaemonHeartbeat } from '../api/types';
import { ErrorInfoView } from '../components/ErrorInfoView';
import { ErrorBanner, Loading } from '../components/Feedback';
import { StatusBadge } from '../components/StatusBadge';
import { useApi } from '../hooks/use-api';
import { formatDateTime, formatDuration } from '../lib/format';
import { instanceSections } from '../lib/instance-sections';

export function InstancePage() {
  const info = useApi((signal) => api.instance(signal), []);
  const daemon = useApi((signal) => api.daemon(signal), [], { pollMs: 3000 });
  const { summary, sections } = instanceSections(info.data ?? {});

  return (
    <div className="page" data-testid="instance-page">
      <div className="page-head">
        <h1>Instance</h1>
      </div>

      <section className="card" data-testid="daemon-status">
        <h2>Daemon</h2>
        {daemon.error && <ErrorBanner error={daemon.error} />}
        {!daemon.data && !daemon.error && <Loading what="daemon status" />}
        {daemon.data && daemon.data.daemons.length === 0 && (
          <p className="banner banner-bad" data-testid="daemon-none">
            No daemon has sent a heartbeat. Schedules, the run queue and run monitoring need{' '}
            <span className="mono">runyard daemon</span> (or <span className="mono">runyard dev</span>).
          </p>
        )}
        {daemon.data && daemon.data.daemons.length > 0 && (
          <table className="table" data-testid="daemon-table">
            <thead>
              <tr>
                <th>Daemon</th>
                <th>Health</th>
                <th>Last heartbeat</th>
                <th>Errors</th>
                <th>Latest error</th>
              </tr>
            </thead>
            <tbody>
              {daemon.data.daemons.map((d) => (
                <DaemonRow key={`${d.type}/${d.daemonId}`} daemon={d} />
              ))}
            </tbody>
          </table>
        )}
        {daemon.data?.lease && (
          <details className="small">
            <summary>Lease</summary>
            <KeyValues value={daemon.data.lease} />
          </details>
        )}
      </section>

      {info.error && <ErrorBanner error={info.error} />}
      {!info.data && !info.error && <Loading what="instance" />}
      {Object.keys(summary).length > 0 && (
        <section className="card" data-testid="instance-summary">
          <h2>Instance</h2>
          <KeyValues value={summary} />
        </section>
      )}
      <div className="instance-grid">
        {sections.map(([key, label, value]) => (
          <section className="card" key={key} data-testid={`instance-${key}`}>
            <h2>{label}</h2>
            <KeyValues value={value} />
          </section>
        ))}
      </div>
    </div>
  );
}

function DaemonRow({ daemon }: { daemon: DaemonHeartbeat }) {
  return (
    <tr data-testid={`daemon-${daemon.type}`} data-healthy={String(daemon.healthy)}>
      <td className="mono">{daemon.type}</td>
      <td>
        <StatusBadge status={daemon.healthy ? 'HEALTHY' : 'UNHEALTHY'} testId={`daemon-health-${daemon.type}`} />
      </td>
      <td className="nowrap">
        {daemon.lastHeartbeatAt ? formatDateTime(daemon.lastHeartbeatAt) : 'never'}
        {daemon.lastHeartbeatAgeMs != null && (
          <span className="muted"> ({formatDuration(daemon.lastHeartbeatAgeMs)} ago)</span>
        )}
      </td>
      <td>{daemon.errorCount ?? 0}</td>
      <td>{daemon.latestError ? <ErrorInfoView error={daemon.latestError} /> : <span className="muted">none</span>}</td>
    </tr>
  );
}

/** Renders nested config as a definition list; secrets were already left out by the server. */
function KeyValues({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span className="muted">–</span>;
  if (typeof value !== 'object') return <span className="mono">{String(value)}</span>;
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) {
      return <span className="mono">{value.length ? value.join(', ') : '[]'}</span>;
    }
    return (
      <ol className="kv-list">
        {value.map((v, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a config list is static and has no ids
          <li key={i}>
            <KeyValues value={v} />
          </li>
        ))}
      </ol>
    );
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return <span className="muted">{'{}'}</span>;
  return (
    <dl className="kv">
      {entries.map(([k, v]) => (
        // A nested object takes the whole width under its key, not a sliver of the value column.
        <div
          className={v !== null && typeof v === 'object' && !isFlatList(v) ? 'kv-pair kv-nested' : 'kv-pair'}
          key={k}
        >
          <dt>{k}</dt>
          <dd>
            <KeyValues value={v} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

function isFlatList(value: object): boolean {
  return Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object');
}
