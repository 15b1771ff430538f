import { useState } from 'react';
import { ApiError, api } from '../api/client';
import type { Job, JobStep } from '../api/types';
import { Empty, ErrorBanner, Loading } from '../components/Feedback';
import { JobGraph } from '../components/JobGraph';
import { useApi } from '../hooks/use-api';
import { Link } from '../router/router';

export function JobPage({ name }: { name: string }) {
  const job = useApi((signal) => api.job(name, signal), [name]);
  if (job.error instanceof ApiError && job.error.status === 404) {
    return (
      <div className="page" data-testid="job-page">
        <Empty testId="job-not-found">
          No job named <span className="mono">{name}</span>. <Link to="/jobs">All jobs</Link>
        </Empty>
      </div>
    );
  }
  if (job.error) return <ErrorBanner error={job.error} />;
  if (!job.data) return <Loading what="job" />;
  return <JobView job={job.data} />;
}

function JobView({ job }: { job: Job }) {
  const [selected, setSelected] = useState<string | null>(null);
  const step = job.steps.find((s) => s.key === selected);
  const enc = encodeURIComponent(job.name);
  return (
    <div className="page" data-testid="job-page">
      <div className="page-head">
        <div>
          <div className="crumbs">
            <Link to="/jobs">Jobs</Link> / {job.name}
          </div>
          <h1>{job.name}</h1>
          {job.description && <p className="muted">{job.description}</p>}
        </div>
        <div className="row-gap">
          <Link to={`/runs?job=${enc}`} className="btn" data-testid="job-runs">
            Runs
          </Link>
          <Link to={`/launchpad?job=${enc}`} className="btn btn-primary" data-testid="job-launch">
            Launch
          </Link>
        </div>
      </div>
      <div className="job-layout">
        <section className="card graph-card">
          <h2>Graph</h2>
          <JobGraph steps={job.steps} selected={selected} onSelect={setSelected} />
        </section>
        <aside className="card step-panel" data-testid="step-details">
          {step ? (
            <StepDetails step={step} />
          ) : (
            <>
              <h2>Details</h2>
              <p className="muted">Click a step to see its op, inputs and config schema.</p>
              <dl className="kv">
                <dt>Executor</dt>
                <dd className="mono">
                  {job.executor.type}
                  {job.executor.maxConcurrent ? ` (max ${job.executor.maxConcurrent} at once)` : ''}
                </dd>
                <dt>Steps</dt>
                <dd>{job.steps.length}</dd>
                {Object.entries(job.tags).map(([k, v]) => (
                  <div key={k} className="kv-pair">
                    <dt>tag {k}</dt>
                    <dd className="mono">{v}</dd>
                  </div>
                ))}
              </dl>
            </>
          )}
        </aside>
      </div>
    </div>
  );
}

function StepDetails({ step }: { step: JobStep }) {
  return (
    <>
      <h2 className="mono" data-testid="step-details-key">
        {step.key}
      </h2>
      {step.description && <p>{step.description}</p>}
      <dl className="kv">
        <dt>Op</dt>
        <dd className="mono" data-testid="step-details-op">
          {step.op}
        </dd>
        <dt>Upstream</dt>
        <dd className="mono">{step.upstream.length ? step.upstream.join(', ') : 'none'}</dd>
        <dt>Inputs</dt>
        <dd className="mono">
          {Object.keys(step.inputs).length
            ? Object.entries(step.inputs).map(([input, from]) => (
                <div key={input}>
                  {input} ← {Array.isArray(from) ? `[${from.join(', ')}]` : from}
                </div>
              ))
            : 'none'}
        </dd>
      </dl>
      <h3>Config schema</h3>
      {step.configSchema ? (
        <pre className="code mono" data-testid="step-details-schema">
          {JSON.stringify(step.configSchema, null, 2)}
        </pre>
      ) : (
        <p className="muted">This op takes no config.</p>
      )}
    </>
  );
}
