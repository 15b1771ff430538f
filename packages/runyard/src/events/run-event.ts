import type { RunStatusEventType } from '../runs/run-status.js';
import type { ErrorInfo } from './error-info.js';

/** The event types that belong to a step (STEP_START, STEP_OUTPUT, STEP_SUCCESS …). */
export const STEP_EVENT_TYPES = [
  'STEP_START',
  'STEP_OUTPUT',
  'STEP_SUCCESS',
  'STEP_FAILURE',
  'STEP_UP_FOR_RETRY',
  'STEP_RESTARTED',
  'STEP_SKIPPED',
] as const;

/** The type of a step's event. */
export type StepEventType = (typeof STEP_EVENT_TYPES)[number];

/**
 * - run-level events move the run's status (see run-status.ts);
 * - step events record one step's progress;
 * - LOG is a message from op code through `ctx.log`;
 * - ENGINE_EVENT is anything Runyard itself wants to say (why a launch failed, a worker refused …).
 */
export type RunEventType = RunStatusEventType | StepEventType | 'LOG' | 'ENGINE_EVENT';

/** The level of a LOG event written by `ctx.log`. */
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

/** The log levels of `ctx.log`, least severe first. */
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warning', 'error'];

/** An event as a writer hands it to storage. */
export interface NewRunEvent {
  readonly runId: string;
  readonly type: RunEventType;
  /** Milliseconds since the epoch; storage fills it in when absent. */
  readonly timestamp?: number;
  readonly level?: LogLevel;
  readonly stepKey?: string;
  readonly message?: string;
  readonly data?: Record<string, unknown>;
  readonly error?: ErrorInfo;
}

/** An event as storage returns it: `id` grows monotonically across the whole event log. */
export interface RunEvent {
  readonly id: number;
  readonly runId: string;
  readonly type: RunEventType;
  readonly timestamp: number;
  readonly level: LogLevel;
  readonly stepKey?: string;
  readonly message: string;
  readonly data?: Record<string, unknown>;
  readonly error?: ErrorInfo;
}
