/**
 * The protocol between the multiprocess executor (the parent, in the run worker) and its step
 * processes (the children, `step-process.ts`). Both sides import this file and nothing else to
 * talk to each other. Messages travel over Node's IPC channel with `serialization: 'advanced'`
 * (structured clone), and each side checks what it receives with the guards below.
 *
 *   parent                                   child
 *   fork(step-process.js, [boot JSON]) ───►  loads the code location and the job
 *                                      ◄───  ready | load_error (then exits)
 *   run_step ─────────────────────────────►  loads inputs, runs one attempt
 *                                      ◄───  event (STEP_START), flush
 *   flushed (the start is stored) ────────►  runs the op
 *                                      ◄───  event … event (in order)
 *                                      ◄───  result (ok, or an error), then exits, or, while it
 *                                            has run fewer than `maxSteps`, waits for the next
 *   run_step ─────────────────────────────►  (a step of the same run) …
 *   cancel (and SIGTERM) ─────────────────►  aborts the op's ctx.signal (an idle child exits)
 *
 * A child that exits without a result crashed; the parent tells how from its exit code or signal.
 */
import type { ErrorInfo } from '../../events/error-info.js';
import type { EmitEvent } from '../event-writer.js';
import type { IOManagerChildConfig } from '../io-manager.js';
import type { StepInputSource } from '../step-inputs.js';

/** What a step process loads while it waits for work; given as JSON in `argv[2]`. */
export interface StepProcessBoot {
  /** As the run has it: a file path or a package name, resolved from `cwd`. */
  readonly codeLocation: string;
  readonly cwd: string;
  readonly jobName: string;
  /**
   * How many step attempts the process runs, one at a time, before it exits (the executor's
   * `maxStepsPerProcess`). Default 1: a fresh process per attempt.
   */
  readonly maxSteps?: number;
}

// ── parent → child ──────────────────────────────────────────────────────────────────────────

export interface RunStepMessage {
  readonly type: 'run_step';
  readonly runId: string;
  readonly jobName: string;
  readonly stepKey: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** The step's parsed config. */
  readonly config: unknown;
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Each input: the outputs it takes, each named by the run that holds it (this run, or an
   * earlier one on resume), or its value (the item of a map()).
   */
  readonly inputs: Readonly<Record<string, StepInputSource>>;
  /** How the child builds the IO manager that inputs are loaded from and the output stored to. */
  readonly ioManager: IOManagerChildConfig;
}

/** Stop: abort the op's signal (SIGTERM does the same, for a child whose IPC is busy). */
export interface CancelMessage {
  readonly type: 'cancel';
}

/** The answer to `flush`: every event sent before it is stored (or storing failed). */
export interface FlushedMessage {
  readonly type: 'flushed';
  readonly error?: ErrorInfo;
}

export type ParentMessage = RunStepMessage | CancelMessage | FlushedMessage;

// ── child → parent ──────────────────────────────────────────────────────────────────────────

/** The code location and the job are loaded: send `run_step`. */
export interface ReadyMessage {
  readonly type: 'ready';
}

/** An event of the attempt, for the parent to record, in the order the child emitted them. */
export interface EventMessage {
  readonly type: 'event';
  readonly event: EmitEvent;
}

export type ResultMessage =
  | { readonly type: 'result'; readonly ok: true }
  | {
      readonly type: 'result';
      readonly ok: false;
      readonly error: ErrorInfo;
      /** False when another attempt would fail the same way (inputs or output, not the op). */
      readonly retryable: boolean;
    };

/** The code location or the job could not be loaded; the child exits after sending it. */
export interface LoadErrorMessage {
  readonly type: 'load_error';
  readonly error: ErrorInfo;
}

/**
 * Asks the parent to store the events sent so far and answer `flushed`: a step's start is stored
 * before its op runs, as in process (ExecutorContext.flush).
 */
export interface FlushMessage {
  readonly type: 'flush';
}

export type ChildMessage = ReadyMessage | EventMessage | FlushMessage | ResultMessage | LoadErrorMessage;

// ── guards: cheap checks of the shape, not of every field's content ─────────────────────────

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function isErrorInfo(value: unknown): value is ErrorInfo {
  return isObject(value) && typeof value.name === 'string' && typeof value.message === 'string';
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isObject(value) && Object.values(value).every((v) => typeof v === 'string');
}

export function isParentMessage(value: unknown): value is ParentMessage {
  if (!isObject(value)) return false;
  switch (value.type) {
    case 'cancel':
      return true;
    case 'flushed':
      return value.error === undefined || isErrorInfo(value.error);
    case 'run_step':
      return (
        typeof value.runId === 'string' &&
        typeof value.jobName === 'string' &&
        typeof value.stepKey === 'string' &&
        typeof value.attempt === 'number' &&
        isStringRecord(value.tags) &&
        isObject(value.inputs) &&
        Object.values(value.inputs).every(isInputSource) &&
        isObject(value.ioManager) &&
        typeof value.ioManager.class === 'string'
      );
    default:
      return false;
  }
}

function isInputSource(value: unknown): boolean {
  if (!isObject(value)) return false;
  const isKey = (k: unknown) => isObject(k) && typeof k.runId === 'string' && typeof k.stepKey === 'string';
  if (value.kind === 'output') return isKey(value.from);
  if (value.kind === 'outputs') return Array.isArray(value.from) && value.from.every(isKey);
  return value.kind === 'value';
}

export function isChildMessage(value: unknown): value is ChildMessage {
  if (!isObject(value)) return false;
  switch (value.type) {
    case 'ready':
    case 'flush':
      return true;
    case 'event':
      return isObject(value.event) && typeof value.event.type === 'string';
    case 'result':
      return (
        value.ok === true || (value.ok === false && isErrorInfo(value.error) && typeof value.retryable === 'boolean')
      );
    case 'load_error':
      return isErrorInfo(value.error);
    default:
      return false;
  }
}

export function parseBoot(text: string | undefined): StepProcessBoot {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    value = undefined;
  }
  if (
    !isObject(value) ||
    typeof value.codeLocation !== 'string' ||
    typeof value.cwd !== 'string' ||
    typeof value.jobName !== 'string' ||
    !(value.maxSteps === undefined || (Number.isInteger(value.maxSteps) && (value.maxSteps as number) >= 1))
  )
    throw new Error(`a step process expects { codeLocation, cwd, jobName, maxSteps? } as JSON in argv[2], got ${text}`);
  return {
    codeLocation: value.codeLocation,
    cwd: value.cwd,
    jobName: value.jobName,
    maxSteps: (value.maxSteps as number | undefined) ?? 1,
  };
}
