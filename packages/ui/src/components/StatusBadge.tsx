import { statusTone } from '../lib/run-status';

export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <span className={`badge tone-${statusTone(status)}`} data-testid={testId} data-status={status}>
      {status.replaceAll('_', ' ')}
    </span>
  );
}
