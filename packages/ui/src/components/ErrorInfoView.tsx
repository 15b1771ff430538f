import type { ErrorInfo } from '../api/types';

/** An error with its cause chain; the stack is folded away until asked for. */
export function ErrorInfoView({ error, testId }: { error: ErrorInfo | string; testId?: string }) {
  if (typeof error === 'string') {
    return (
      <div className="error-info" data-testid={testId}>
        <div className="error-message">{error}</div>
      </div>
    );
  }
  const chain: ErrorInfo[] = [];
  for (let cur: ErrorInfo | undefined = error; cur && chain.length < 10; cur = cur.cause) chain.push(cur);
  return (
    <div className="error-info" data-testid={testId}>
      {chain.map((e, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a cause chain is fixed; its depth is its identity
        <div key={i} className={i ? 'error-cause' : undefined}>
          <div className="error-message" data-testid={testId ? `${testId}-message` : undefined}>
            {i > 0 && <span className="muted">caused by </span>}
            <strong>{e.name}:</strong> {e.message}
          </div>
          {e.stack && (
            <details className="error-stack">
              <summary data-testid={testId ? `${testId}-stack-toggle` : undefined}>Stack trace</summary>
              <pre>{e.stack}</pre>
            </details>
          )}
        </div>
      ))}
      {error.data && Object.keys(error.data).length > 0 && (
        <pre className="error-data">{JSON.stringify(error.data, null, 2)}</pre>
      )}
    </div>
  );
}
