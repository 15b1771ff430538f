import type { RunEvent } from './run-event.js';

/**
 * A step's state. NOT_STARTED: in the run's execution plan, never started. CANCELED and ABANDONED:
 * the run ended while the step ran (it was cancelled; it was left running by a worker that gave up).
 */
export type StepStatus =
  | 'NOT_STARTED'
  | 'RUNNING'
  | 'UP_FOR_RETRY'
  | 'SUCCESS'
  | 'FAILURE'
  | 'SKIPPED'
  | 'CANCELED'
  | 'ABANDONED';

/** A step's status, attempts and times, derived from the run's events (what `run show` lists). */
export interface StepStats {
  readonly stepKey: string;
  readonly status: StepStatus;
  readonly attempts: number;
  readonly startTime?: number;
  readonly endTime?: number;
  /** Why a step that was running when its run ended was ended with it. */
  readonly endReason?: string;
  /**
   * Why a step that has not started yet is waiting, when its executor says (the queue executor:
   * "waiting for a free slot on queue warehouse (4/4 in use)"). Cleared when it starts.
   */
  readonly waitingReason?: string;
}

/**
 * How a step that was still running ended with its run: `failed` (the run failed under it: its
 * worker died, monitoring failed the run), `cancelled` (the run was cancelled or terminated),
 * `abandoned` (the worker gave up waiting for it to stop and left it running). See step-end.ts.
 */
export type StepEndKind = 'failed' | 'cancelled' | 'abandoned';

/** The STEP_FAILURE data key that marks an end written for the run's end, not by the step itself. */
export const STEP_END_DATA_KEY = 'stepEnd';

/** The ENGINE_EVENT data key under which a run's execution plan (its step keys, in order) is recorded. */
export const EXECUTION_PLAN_DATA_KEY = 'executionPlan';

/**
 * Set beside an execution plan that a run added while it ran: the step whose output was mapped
 * into the plan's steps (mapped steps, `load[a.csv]`; see definitions/step-key.ts).
 */
export const MAPPED_FROM_DATA_KEY = 'mappedFrom';

/** The ENGINE_EVENT data key under which an executor records why a step is still waiting. */
export const WAITING_REASON_DATA_KEY = 'waitingReason';

/** The event types `stepStatsFromEvents` reads: ask storage for these only. */
export const STEP_STATS_EVENT_TYPES = [
  'STEP_START',
  'STEP_RESTARTED',
  'STEP_UP_FOR_RETRY',
  'STEP_SUCCESS',
  'STEP_FAILURE',
  'STEP_SKIPPED',
  'RUN_SUCCESS',
  'RUN_FAILURE',
  'RUN_CANCELED',
  'ENGINE_EVENT',
] as const;

type Mutable = { -readonly [K in keyof StepStats]: StepStats[K] };

const BY_KIND: Record<StepEndKind, StepStatus> = { failed: 'FAILURE', cancelled: 'CANCELED', abandoned: 'ABANDONED' };

/**
 * Each step's state as its events tell it: the steps of the execution plan first (in plan order),
 * then any other step in the order it first appears. A finished run has no running step: a step
 * still open at the run's end event ends there (the run's end-of-step events, written just after,
 * give the reason; runs from before those existed still read right).
 */
export function stepStatsFromEvents(events: readonly RunEvent[]): StepStats[] {
  const stats = new Map<string, Mutable>();
  const ensure = (key: string): Mutable => {
    let s = stats.get(key);
    if (!s) {
      s = { stepKey: key, status: 'NOT_STARTED', attempts: 0 };
      stats.set(key, s);
    }
    return s;
  };
  for (const event of events) {
    const key = event.stepKey;
    switch (event.type) {
      case 'ENGINE_EVENT': {
        const plan = event.data?.[EXECUTION_PLAN_DATA_KEY];
        if (Array.isArray(plan)) for (const step of plan) if (typeof step === 'string') ensure(step);
        const waiting = event.data?.[WAITING_REASON_DATA_KEY];
        if (key && typeof waiting === 'string') {
          const st = ensure(key);
          if (st.status === 'NOT_STARTED' || st.status === 'UP_FOR_RETRY') st.waitingReason = waiting;
        }
        break;
      }
      case 'RUN_SUCCESS':
      case 'RUN_FAILURE':
      case 'RUN_CANCELED':
        for (const s of stats.values()) {
          if (s.status !== 'RUNNING' && s.status !== 'UP_FOR_RETRY') continue;
          s.status = event.type === 'RUN_CANCELED' ? 'CANCELED' : 'FAILURE';
          s.endTime = event.timestamp;
        }
        break;
      case 'STEP_START':
      case 'STEP_RESTARTED': {
        if (!key) break;
        const st = ensure(key);
        st.status = 'RUNNING';
        st.waitingReason = undefined;
        st.attempts += 1;
        st.startTime ??= event.timestamp;
        st.endTime = undefined;
        break;
      }
      case 'STEP_UP_FOR_RETRY':
        if (key) ensure(key).status = 'UP_FOR_RETRY';
        break;
      case 'STEP_SUCCESS':
      case 'STEP_SKIPPED':
        if (!key) break;
        ensure(key).status = event.type === 'STEP_SUCCESS' ? 'SUCCESS' : 'SKIPPED';
        ensure(key).endTime = event.timestamp;
        break;
      case 'STEP_FAILURE': {
        if (!key) break;
        const st = ensure(key);
        const kind = event.data?.[STEP_END_DATA_KEY] as StepEndKind | undefined;
        if (kind && BY_KIND[kind]) {
          // Written when the run ended: the step ended then at the latest.
          st.status = BY_KIND[kind];
          st.endTime = Math.min(st.endTime ?? event.timestamp, event.timestamp);
          st.endReason = typeof event.data?.reason === 'string' ? event.data.reason : event.message;
        } else {
          st.status = 'FAILURE';
          st.endTime = event.timestamp;
        }
        break;
      }
      default:
        break;
    }
  }
  return [...stats.values()];
}
