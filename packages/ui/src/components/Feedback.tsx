import { ApiError } from '../api/client';

export function Loading({ what }: { what?: string }) {
  return (
    <div className="loading" data-testid="loading">
      Loading{what ? ` ${what}` : ''}…
    </div>
  );
}

export function ErrorBanner({ error, testId = 'error-banner' }: { error: Error; testId?: string }) {
  const status = error instanceof ApiError ? `${error.status} ${error.code}: ` : '';
  return (
    <div className="banner banner-bad" role="alert" data-testid={testId}>
      {status}
      {error.message}
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
