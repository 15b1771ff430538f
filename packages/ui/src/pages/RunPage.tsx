import { useMemo, useState } from 'react';
import { ApiError, api } from '../api/client';
import type { Run, RunEvent, StepSummary } from '../api/types';
import { ComputeLogView } from '../components/ComputeLogView';
import { ErrorInfoView } from '../components/ErrorInfoView';
import { EventLog } from '../components/EventLog';
import { Empty, ErrorBanner, Loading } from '../components/Feedback';
import { RunActions } from '../components/RunActions';
import { RunTimeline } from '../components/RunTimeline';
import { StatusBadge } from '../components/StatusBadge';
import { useApi } from '../hooks/use-api';
import { useNow } from '../hooks/use-now';
import { useRunEvents } from '../hooks/use-run-events';
import { useThrottledCallback } from '../hooks/use-throttled-callback';
import { formatDateTime, formatDuration, shortId } from '../lib/format';
import { isTerminal } from '../lib/run-status';
import { Link } from '../router/router';

type Tab = 'events' | 'logs' | 'config';

export function RunPage({ runId }: { runId: string }) {
  const detail = useApi((signal) => api.run(runId, signal), [runId]);
  // Any run- or step-level event changes the status or the steps: refetch them, a few times a second at most.
  const refresh = useThrottledCallback(detail.reload, 300);
  const stream = useRunEvents(runId, (batch) => {
    if (batch.some((e) => e.type.startsWith('RUN_') || e.type.startsWith('STEP_'))) refresh();
  });

  if (detail.error) {
    if (detail.error instanceof ApiError && detail.error.status === 404) {
      return (
        <div className="page" data-testid="run-page">
          <Empty testId="run-not-found">
            No run <span className="mono">{runId}</span>. <Link to="/runs">Back to runs</Link>
          </Empty>
        </div>
      );
    }
    if (!detail.data) return <ErrorBanner error={detail.error} />;
  }
  if (!detail.data) return <Loading what="run" />;
  return <RunView run={detail.data.run} steps={detail.data.steps} events={stream.events} reload={detail.reload} />;
}

function RunView({
  run,
  steps,
  events,
  reload,
}: {
  run: Run;
  steps: StepSummary[];
  events: RunEvent[];
  reload: () => void;
}) {
  const live = !isTerminal(run.status);
  const now = useNow(500, live);
  const [tab, setTab] = useState<Tab>('events');
  const [selectedStep, setSelectedStep] = useState<string | null>(null);
  const failedSteps = steps.filter((s) => s.status === 'FAILURE');
  const runError = useMemo(() => lastRunError(events), [events]);

  return (
    <div className="page" data-testid="run-page" data-run-id={run.runId}>
      <div className="page-head">
        <div>
          <div className="crumbs">
            <Link to="/runs">Runs</Link> / <span className="mono">{shortId(run.runId)}</span>
          </div>
          <h1>
            <Link to={`/jobs/${encodeURIComponent(run.jobName)}`} data-testid="run-job-link">
              {run.jobName}
            </Link>{' '}
            <StatusBadge status={run.status} testId="run-status" />
          </h1>
        </div>
        <RunActions run={run} onChanged={reload} />
      </div>

      {run.statusReason && (
        <div
          className={`banner ${run.status === 'FAILURE' ? 'banner-bad' : live ? 'banner-info' : 'banner-muted'}`}
          data-testid="run-status-reason"
        >
          {reasonLabel(run.status)} {run.statusReason}
        </div>
      )}

      <div className="meta-grid card">
        <Meta label="Run id">
          <span className="mono" data-testid="run-id">
            {run.runId}
          </span>
        </Meta>
        <Meta label="Created">{formatDateTime(run.createdAt)}</Meta>
        <Meta label="Started">{formatDateTime(run.startTime)}</Meta>
        <Meta label="Ended">{formatDateTime(run.endTime)}</Meta>
        <Meta label="Duration">
          <span data-testid="run-duration">
            {run.startTime ? formatDuration((run.endTime ?? now) - run.startTime) : '–'}
          </span>
        </Meta>
        <Meta label="Origin">{run.origin?.source ?? '–'}</Meta>
        <Meta label="Launcher">
          <span className="mono" data-testid="run-launcher" title="The launcher the run was launched with">
            {run.tags['runyard/launcher'] ?? '–'}
            {typeof run.worker?.launcher === 'string' ? ` (${run.worker.launcher})` : ''}
          </span>
        </Meta>
        {run.parentRunId && (
          <Meta label="Retry of">
            <Link to={`/runs/${run.parentRunId}`} className="mono">
              {shortId(run.parentRunId)}
            </Link>
          </Meta>
        )}
        {run.rootRunId && run.rootRunId !== run.parentRunId && (
          <Meta label="Root run">
            <Link to={`/runs/${run.rootRunId}`} className="mono">
              {shortId(run.rootRunId)}
            </Link>
          </Meta>
        )}
        {Object.keys(run.tags).length > 0 && (
          <Meta label="Tags">
            <div className="tag-list">
              {Object.entries(run.tags).map(([k, v]) => (
                <Link key={k} className="tag" to={`/runs?tag=${encodeURIComponent(`${k}=${v}`)}`}>
                  {k}={v}
                </Link>
              ))}
            </div>
          </Meta>
        )}
      </div>

      {(failedSteps.length > 0 || (run.status === 'FAILURE' && runError)) && (
        <section className="card card-bad" data-testid="run-errors">
          <h2>What failed</h2>
          {failedSteps.map((s) => (
            <div key={s.stepKey} className="step-error" data-testid={`step-error-${s.stepKey}`}>
              <div className="step-error-head">
                Step <span className="mono">{s.stepKey}</span> failed
                {s.attempts > 1 ? ` after ${s.attempts} attempts` : ''}
              </div>
              {s.error ? <ErrorInfoView error={s.error} testId={`step-error-info-${s.stepKey}`} /> : null}
            </div>
          ))}
          {failedSteps.every((s) => !s.error) && runError && (
            <div className="step-error" data-testid="run-error">
              {runError.error ? <ErrorInfoView error={runError.error} /> : <div>{runError.message}</div>}
            </div>
          )}
        </section>
      )}

      <section className="card">
        <h2>Timeline</h2>
        <RunTimeline
          steps={steps}
          now={now}
          runStart={run.startTime ?? null}
          runEnd={run.endTime ?? null}
          selected={selectedStep}
          onSelect={(key) => {
            setSelectedStep(key);
            setTab('events');
          }}
        />
      </section>

      <section className="card">
        <div className="tabs" role="tablist">
          {(
            [
              ['events', 'Event log'],
              ['logs', 'stdout / stderr'],
              ['config', 'Config'],
            ] as const
          ).map(([id, label]) => (
            <button
              type="button"
              role="tab"
              key={id}
              aria-selected={tab === id}
              className={tab === id ? 'tab active' : 'tab'}
              onClick={() => setTab(id)}
              data-testid={`run-tab-${id}`}
            >
              {label}
            </button>
          ))}
        </div>
        {tab === 'events' && (
          <EventLog events={events} live={live} stepFilter={selectedStep} onClearStep={() => setSelectedStep(null)} />
        )}
        {tab === 'logs' && <ComputeLogView runId={run.runId} live={live} />}
        {tab === 'config' && (
          <div className="config-view">
            <h3>Run config</h3>
            <pre className="code mono" data-testid="run-config">
              {JSON.stringify(run.runConfig ?? {}, null, 2)}
            </pre>
            {run.worker && (
              <>
                <h3>Worker</h3>
                <pre className="code mono">{JSON.stringify(run.worker, null, 2)}</pre>
              </>
            )}
          </div>
        )}
      </section>
    </div>
  );
}

function Meta({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="meta">
      <div className="meta-label">{label}</div>
      <div className="meta-value">{children}</div>
    </div>
  );
}

function reasonLabel(status: string): string {
  if (status === 'QUEUED') return 'Waiting:';
  if (status === 'FAILURE') return 'Failed:';
  if (status === 'CANCELED' || status === 'CANCELING') return 'Canceled:';
  return 'Note:';
}

function lastRunError(events: readonly RunEvent[]): RunEvent | undefined {
  for (let i = events.length - 1; i >= 0; i--) if (events[i]!.type === 'RUN_FAILURE') return events[i];
  return undefined;
}
