import { useEffect, useState } from 'react';
import { isUnauthorized, onUnauthorizedChange } from './api/auth-state';
import { Empty } from './components/Feedback';
import { NavBar } from './components/NavBar';
import { InstancePage } from './pages/InstancePage';
import { JobPage } from './pages/JobPage';
import { JobsPage } from './pages/JobsPage';
import { LaunchpadPage } from './pages/LaunchpadPage';
import { RunPage } from './pages/RunPage';
import { RunsPage } from './pages/RunsPage';
import { SchedulesPage } from './pages/SchedulesPage';
import { TokenNeededPage } from './pages/TokenNeededPage';
import { Link, matchPath, navigate, useLocation } from './router/router';

export function App() {
  const [unauthorized, setUnauthorized] = useState(isUnauthorized);
  useEffect(() => onUnauthorizedChange(setUnauthorized), []);
  return (
    <>
      <NavBar />
      <main className="main">{unauthorized ? <TokenNeededPage /> : <Routes />}</main>
    </>
  );
}

function Routes() {
  const { pathname } = useLocation();
  useEffect(() => {
    if (pathname === '/' || pathname === '') navigate('/runs', { replace: true });
  }, [pathname]);

  if (pathname === '/runs' || pathname === '/') return <RunsPage />;
  const run = matchPath('/runs/:runId', pathname);
  if (run) return <RunPage key={run.runId} runId={run.runId!} />;
  if (pathname === '/jobs') return <JobsPage />;
  const job = matchPath('/jobs/:name', pathname);
  if (job) return <JobPage key={job.name} name={job.name!} />;
  if (pathname === '/launchpad') return <LaunchpadPage />;
  if (pathname === '/schedules') return <SchedulesPage />;
  if (pathname === '/instance') return <InstancePage />;
  return (
    <div className="page">
      <Empty testId="not-found">
        Nothing at <span className="mono">{pathname}</span>. <Link to="/runs">Go to runs</Link>
      </Empty>
    </div>
  );
}
