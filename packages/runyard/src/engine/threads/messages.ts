/**
 * The protocol between the threads executor (the run worker's main thread) and its step threads
 * (`step-thread-main.ts`). Both sides import this file and nothing else to talk to each other.
 * Messages are structured clones over the Worker's port; each side checks what it receives.
 *
 *   main thread                              step thread
 *   new Worker(step-thread-main.js, boot) ─► loads Runyard, the code location and the job, once
 *                                       ◄──  ready | load_error (then exits)
 *   run_step (inputs as values) ─────────►   runs one attempt
 *                                       ◄──  event (STEP_START), flush
 *   flushed ─────────────────────────────►   runs the op
 *                                       ◄──  event …, store_output (the value)
 *   stored (or the IO manager's error) ──►   STEP_OUTPUT, STEP_SUCCESS
 *                                       ◄──  result; then waits for the next run_step
 *   cancel ──────────────────────────────►   aborts the op's ctx.signal (terminate() follows a grace later)
 *
 * Outputs travel as values and are stored by the main thread through the run's IO manager, so a
 * thread never builds an IO manager of its own, and any IO manager works (in-memory too).
 */
import type { ErrorInfo } from '../../events/error-info.js';
import type { EmitEvent } from '../event-writer.js';

/** What a step thread loads before it is given work (its `workerData`). */
export interface StepThreadBoot {
  /** As the run has it: a file path or a package name, resolved from `cwd`. */
  readonly codeLocation: string;
  readonly cwd: string;
  readonly jobName: string;
}

// ── main → thread ───────────────────────────────────────────────────────────────────────────

export interface ThreadRunStepMessage {
  readonly type: 'run_step';
  readonly runId: string;
  readonly stepKey: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** The step's parsed config. */
  readonly config: unknown;
  readonly tags: Readonly<Record<string, string>>;
  /** The input values, loaded by the main thread. */
  readonly inputs: Readonly<Record<string, unknown>>;
}

export interface ThreadCancelMessage {
  readonly type: 'cancel';
}

/** The answer to `flush` or `store_output`: done, or why not. */
export interface ThreadReplyMessage {
  readonly type: 'flushed' | 'stored';
  readonly error?: ErrorInfo;
}

export type MainMessage = ThreadRunStepMessage | ThreadCancelMessage | ThreadReplyMessage;

// ── thread → main ───────────────────────────────────────────────────────────────────────────

export type ThreadMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'load_error'; readonly error: ErrorInfo }
  | { readonly type: 'event'; readonly event: EmitEvent }
  | { readonly type: 'flush' }
  | { readonly type: 'store_output'; readonly value: unknown }
  | { readonly type: 'result'; readonly ok: true }
  | { readonly type: 'result'; readonly ok: false; readonly error: ErrorInfo; readonly retryable: boolean };

// ── guards: cheap checks of the shape ───────────────────────────────────────────────────────

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function isErrorInfo(value: unknown): value is ErrorInfo {
  return isObject(value) && typeof value.name === 'string' && typeof value.message === 'string';
}

export function isMainMessage(value: unknown): value is MainMessage {
  if (!isObject(value)) return false;
  switch (value.type) {
    case 'cancel':
      return true;
    case 'flushed':
    case 'stored':
      return value.error === undefined || isErrorInfo(value.error);
    case 'run_step':
      return (
        typeof value.runId === 'string' &&
        typeof value.stepKey === 'string' &&
        typeof value.attempt === 'number' &&
        isObject(value.tags) &&
        isObject(value.inputs)
      );
    default:
      return false;
  }
}

export function isThreadMessage(value: unknown): value is ThreadMessage {
  if (!isObject(value)) return false;
  switch (value.type) {
    case 'ready':
    case 'flush':
    case 'store_output':
      return true;
    case 'event':
      return isObject(value.event) && typeof value.event.type === 'string';
    case 'load_error':
      return isErrorInfo(value.error);
    case 'result':
      return (
        value.ok === true || (value.ok === false && isErrorInfo(value.error) && typeof value.retryable === 'boolean')
      );
    default:
      return false;
  }
}

export function isStepThreadBoot(value: unknown): value is StepThreadBoot {
  return (
    isObject(value) &&
    typeof value.codeLocation === 'string' &&
    typeof value.cwd === 'string' &&
    typeof value.jobName === 'string'
  );
}
