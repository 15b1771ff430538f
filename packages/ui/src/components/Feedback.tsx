import { ApiError } from '../api/client';

export function Loading({ what }: { what?: string }) {
  return (
    <div className="loading" data-testid="loading">
      Loading{what ? ` ${what}` : ''}…
    </div>
  );
}

/**
 * An error as the user needs it. A 4xx is the user's to fix (a code location that does not load,
 * bad input): its message says what is wrong, so no status code leads it. Its lines are kept, so a
 * compiler's code frame shows as the frame it is, not run together on one line.
 */
export function ErrorBanner({ error, testId = 'error-banner' }: { error: Error; testId?: string }) {
  const api = error instanceof ApiError ? error : undefined;
  const userError = api !== undefined && api.status >= 400 && api.status < 500;
  const multiline = error.message.includes('\n');
  return (
    <div className="banner banner-bad" role="alert" data-testid={testId} data-code={api?.code}>
      {api && !userError && <span className="strong">{`${api.status} ${api.code}: `}</span>}
      {multiline ? <pre className="banner-pre mono">{error.message}</pre> : error.message}
    </div>
  );
}

export function Empty({ children, testId }: { children: React.ReactNode; testId?: string }) {
  return (
    <div className="empty" data-testid={testId}>
      {children}
    </div>
  );
}
