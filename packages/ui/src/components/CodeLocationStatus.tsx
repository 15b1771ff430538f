import { formatClock } from '../lib/format';

interface Props {
  readonly codeLocation: string | null | undefined;
  readonly loadedAt: number | undefined;
  readonly failed: boolean;
  readonly loading: boolean;
  readonly onReload: () => void;
}

/**
 * Whether the server's code location loaded, when, and a button to load it again (the server
 * re-reads the file on each request, so a reload picks up an edit without a restart).
 */
export function CodeLocationStatus({ codeLocation, loadedAt, failed, loading, onReload }: Props) {
  const state = loading ? 'loading' : failed ? 'failed' : 'loaded';
  return (
    <div className="code-location-status" data-testid="code-location-status" data-state={state}>
      {codeLocation && (
        <span className="muted mono small" data-testid="code-location">
          {codeLocation}
        </span>
      )}
      <span className={`small ${failed ? 'tone-text-bad' : 'tone-text-ok'}`}>
        {state === 'loading'
          ? 'Loading…'
          : failed
            ? 'Failed to load'
            : `Loaded${loadedAt ? ` at ${formatClock(loadedAt)}` : ''}`}
      </span>
      <button
        type="button"
        className="btn btn-small"
        onClick={onReload}
        disabled={loading}
        data-testid="code-location-reload"
      >
        Reload
      </button>
    </div>
  );
}
