import { useState } from 'react';
import { useComputeLog } from '../hooks/use-compute-log';
import { ErrorBanner } from './Feedback';

type Stream = 'stdout' | 'stderr';

export function ComputeLogView({ runId, live }: { runId: string; live: boolean }) {
  const [stream, setStream] = useState<Stream>('stdout');
  return (
    <div className="compute-logs" data-testid="compute-logs">
      <div className="tabs" role="tablist">
        {(['stdout', 'stderr'] as const).map((s) => (
          <button
            type="button"
            role="tab"
            key={s}
            aria-selected={stream === s}
            className={stream === s ? 'tab active' : 'tab'}
            onClick={() => setStream(s)}
            data-testid={`logs-tab-${s}`}
          >
            {s}
          </button>
        ))}
        <a
          className="tab-link muted"
          href={`/api/runs/${encodeURIComponent(runId)}/logs/${stream}`}
          target="_blank"
          rel="noreferrer"
          data-testid="logs-raw-link"
        >
          raw
        </a>
      </div>
      <StreamView key={stream} runId={runId} stream={stream} live={live} />
    </div>
  );
}

function StreamView({ runId, stream, live }: { runId: string; stream: Stream; live: boolean }) {
  const log = useComputeLog(runId, stream, live);
  return (
    <div>
      {log.error && <ErrorBanner error={log.error} />}
      {log.truncated && <div className="muted small">Showing the last part of {log.size} bytes.</div>}
      <pre className="compute-log mono" data-testid={`logs-${stream}`}>
        {log.text || <span className="muted">{live ? `Waiting for ${stream}…` : `No ${stream} captured.`}</span>}
      </pre>
    </div>
  );
}
