/**
 * The run status machine (DESIGN.md section 2). A run's status is a projection of its run-level
 * events: storage applies each event as a compare-and-swap from the statuses listed here, so two
 * processes racing to move one run can never both win, and a terminal run never changes again.
 */
export const RUN_STATUSES = [
  'NOT_STARTED',
  'QUEUED',
  'STARTING',
  'STARTED',
  'SUCCESS',
  'FAILURE',
  'CANCELING',
  'CANCELED',
] as const;

/**
 * Where a run is in its life: NOT_STARTED, QUEUED, STARTING, STARTED, SUCCESS, FAILURE, CANCELING,
 * CANCELED.
 */
export type RunStatus = (typeof RUN_STATUSES)[number];

/** The statuses a run ends in: SUCCESS, FAILURE, CANCELED. */
export const TERMINAL_STATUSES: readonly RunStatus[] = ['SUCCESS', 'FAILURE', 'CANCELED'];

/** The statuses of a run that has not finished: what `updateRun` may change by default. */
export const UNFINISHED_STATUSES: readonly RunStatus[] = Object.freeze(
  RUN_STATUSES.filter((status) => !TERMINAL_STATUSES.includes(status)),
);

/** Statuses in which a run may still hold compute somewhere. */
export const IN_PROGRESS_STATUSES: readonly RunStatus[] = ['STARTING', 'STARTED', 'CANCELING'];

/** True for SUCCESS, FAILURE and CANCELED: a run in one of them never changes status again. */
export function isTerminalStatus(status: RunStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** True when `value` is one of the run statuses. */
export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

/** The event types that change a run's status (RUN_STARTING, RUN_START, RUN_SUCCESS …). */
export const RUN_STATUS_EVENT_TYPES = [
  'RUN_ENQUEUED',
  'RUN_STARTING',
  'RUN_START',
  'RUN_SUCCESS',
  'RUN_FAILURE',
  'RUN_CANCELING',
  'RUN_CANCELED',
] as const;

/** The type of an event that changes a run's status. */
export type RunStatusEventType = (typeof RUN_STATUS_EVENT_TYPES)[number];

interface Transition {
  readonly to: RunStatus;
  /** Every status this event may legally move a run out of. Callers may narrow it, never widen it. */
  readonly from: readonly RunStatus[];
}

/**
 * For each run-status event: the statuses a run may be in before it, and the status after it. Every
 * transition is a compare-and-swap in storage.
 */
export const RUN_STATUS_TRANSITIONS: Readonly<Record<RunStatusEventType, Transition>> = {
  RUN_ENQUEUED: { to: 'QUEUED', from: ['NOT_STARTED'] },
  RUN_STARTING: { to: 'STARTING', from: ['NOT_STARTED', 'QUEUED'] },
  // NOT_STARTED → STARTED is the in-process `execute` path, which has no launcher.
  RUN_START: { to: 'STARTED', from: ['NOT_STARTED', 'STARTING'] },
  RUN_SUCCESS: { to: 'SUCCESS', from: ['STARTED'] },
  RUN_FAILURE: { to: 'FAILURE', from: ['NOT_STARTED', 'STARTING', 'STARTED'] },
  RUN_CANCELING: { to: 'CANCELING', from: ['STARTING', 'STARTED'] },
  // Straight to CANCELED: cancelled before a worker ran, a forced terminate, or the end of CANCELING.
  RUN_CANCELED: { to: 'CANCELED', from: ['NOT_STARTED', 'QUEUED', 'STARTING', 'STARTED', 'CANCELING'] },
};

export function isRunStatusEventType(type: string): type is RunStatusEventType {
  return (RUN_STATUS_EVENT_TYPES as readonly string[]).includes(type);
}

/** The statuses a CAS may move out of: the legal set, narrowed by the caller's wish. */
export function allowedFromStatuses(type: RunStatusEventType, narrowTo?: readonly RunStatus[]): readonly RunStatus[] {
  const legal = RUN_STATUS_TRANSITIONS[type].from;
  return narrowTo ? legal.filter((s) => narrowTo.includes(s)) : legal;
}
