import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { CodeLocationStatus } from '../components/CodeLocationStatus';
import { Empty, ErrorBanner, Loading } from '../components/Feedback';
import { useApi } from '../hooks/use-api';
import { Link } from '../router/router';

export function JobsPage() {
  const jobs = useApi((signal) => api.jobs(signal), []);
  const [loadedAt, setLoadedAt] = useState<number>();
  useEffect(() => {
    if (jobs.data) setLoadedAt(Date.now());
  }, [jobs.data]);
  // After a failed reload the jobs of the last good load are not shown: they may be gone.
  const shown = jobs.error ? undefined : jobs.data;
  return (
    <div className="page" data-testid="jobs-page">
      <div className="page-head">
        <h1>Jobs</h1>
        <CodeLocationStatus
          codeLocation={jobs.data?.codeLocation}
          loadedAt={loadedAt}
          failed={jobs.error !== undefined}
          loading={jobs.loading}
          onReload={jobs.reload}
        />
      </div>
      {jobs.error && <ErrorBanner error={jobs.error} />}
      {!jobs.data && !jobs.error && <Loading what="jobs" />}
      {shown && shown.jobs.length === 0 && (
        <Empty testId="jobs-empty">
          No code location loaded. Start the server with <span className="mono">-f &lt;file&gt;</span>.
        </Empty>
      )}
      {shown && shown.jobs.length > 0 && (
        <table className="table" data-testid="jobs-table">
          <thead>
            <tr>
              <th>Job</th>
              <th>Description</th>
              <th>Steps</th>
              <th>Executor</th>
              <th>Tags</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {shown.jobs.map((j) => (
              <tr key={j.name} data-testid={`job-row-${j.name}`}>
                <td>
                  <Link to={`/jobs/${encodeURIComponent(j.name)}`} data-testid="job-link" className="strong">
                    {j.name}
                  </Link>
                </td>
                <td className="muted">{j.description ?? ''}</td>
                <td>{j.steps.length}</td>
                <td className="mono small">
                  {j.executor.type}
                  {j.executor.maxConcurrent ? ` ×${j.executor.maxConcurrent}` : ''}
                </td>
                <td>
                  <div className="tag-list">
                    {Object.entries(j.tags).map(([k, v]) => (
                      <span key={k} className="tag">
                        {k}={v}
                      </span>
                    ))}
                  </div>
                </td>
                <td className="nowrap">
                  <Link to={`/runs?job=${encodeURIComponent(j.name)}`} className="btn btn-small btn-ghost">
                    Runs
                  </Link>{' '}
                  <Link
                    to={`/launchpad?job=${encodeURIComponent(j.name)}`}
                    className="btn btn-small"
                    data-testid={`job-launch-${j.name}`}
                  >
                    Launch
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
