import type { RunStatus } from '../api/types';

const TERMINAL: ReadonlySet<string> = new Set(['SUCCESS', 'FAILURE', 'CANCELED']);

/** A terminal run never changes status again (DESIGN.md, status machine). */
export function isTerminal(status: string): boolean {
  return TERMINAL.has(status);
}

/** Statuses from which terminate makes sense (the server answers 409 otherwise). */
export function canTerminate(status: RunStatus): boolean {
  return !isTerminal(status);
}

/** Retry from failure re-runs only failed and unfinished steps, so a success has nothing to retry. */
export function canRetryFromFailure(status: RunStatus): boolean {
  return status === 'FAILURE' || status === 'CANCELED';
}

/** Lower-case CSS modifier for a status, shared by runs, steps and ticks. */
export function statusTone(status: string): 'ok' | 'bad' | 'busy' | 'wait' | 'off' {
  switch (status) {
    case 'SUCCESS':
      return 'ok';
    case 'FAILURE':
    case 'ABANDONED':
      return 'bad';
    case 'STARTED':
    case 'STARTING':
    case 'RUNNING':
    case 'CANCELING':
    case 'UP_FOR_RETRY':
      return 'busy';
    case 'QUEUED':
    case 'NOT_STARTED':
    case 'PENDING':
      return 'wait';
    default:
      return 'off';
  }
}
