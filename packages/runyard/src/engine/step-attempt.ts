import type { StepNode } from '../definitions/job-graph.js';
import type { OpContext, OpLogger } from '../definitions/op.js';
import { RunyardError } from '../errors.js';
import { type ErrorInfo, toErrorInfo } from '../events/error-info.js';
import type { LogLevel } from '../events/run-event.js';
import type { EmitFn } from './event-writer.js';

export interface StepAttemptArgs {
  readonly runId: string;
  readonly jobName: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly step: StepNode;
  readonly config: unknown;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly attempt: number;
  readonly signal: AbortSignal;
  readonly emit: EmitFn;
  /** Stores the start event before op code runs (see ExecutorContext.flush). */
  readonly flush?: () => Promise<void>;
  /**
   * Stores the output (through the IO manager) before STEP_OUTPUT and STEP_SUCCESS are emitted:
   * an output that cannot be stored fails the step, and must not be reported as a success first.
   */
  readonly storeOutput?: (output: unknown) => Promise<void> | void;
}

export type StepAttemptResult =
  | { readonly ok: true; readonly output: unknown }
  /** `retryable: false` when another attempt would not help (the output cannot be stored). */
  | { readonly ok: false; readonly error: ErrorInfo; readonly retryable?: boolean };

const PREVIEW_CHARS = 200;

/**
 * One attempt of one step, wherever it runs (in process or in a step process): emits
 * STEP_START (STEP_RESTARTED on a retry), the op's LOG events, and on success STEP_OUTPUT and
 * STEP_SUCCESS. A failure is returned, not emitted: the executor decides between a retry and
 * STEP_FAILURE.
 */
export async function runStepAttempt(args: StepAttemptArgs): Promise<StepAttemptResult> {
  const { step, emit } = args;
  const stepKey = step.key;
  const started = performance.now();
  emit(
    args.attempt === 1
      ? { type: 'STEP_START', stepKey, message: `started step '${stepKey}'`, data: { attempt: 1 } }
      : {
          type: 'STEP_RESTARTED',
          stepKey,
          message: `started attempt ${args.attempt} of step '${stepKey}'`,
          data: { attempt: args.attempt },
        },
  );
  try {
    await args.flush?.();
    const inputs = checkInputs(step, args.inputs);
    const ctx: OpContext<unknown> = {
      runId: args.runId,
      jobName: args.jobName,
      stepKey,
      attempt: args.attempt,
      config: args.config,
      tags: args.tags,
      log: createLogger(emit, stepKey),
      signal: args.signal,
    };
    let output = await step.op.run(ctx, inputs);
    if (step.op.outSchema) {
      const parsed = step.op.outSchema.safeParse(output);
      if (!parsed.success)
        throw new RunyardError(
          `the output of step '${stepKey}' does not match its schema: ${summarize(parsed.error.issues)}`,
        );
      output = parsed.data;
    }
    if (args.storeOutput) {
      try {
        await args.storeOutput(output);
      } catch (error) {
        return { ok: false, error: toErrorInfo(error), retryable: false };
      }
    }
    const durationMs = performance.now() - started;
    emit({
      type: 'STEP_OUTPUT',
      stepKey,
      message: `step '${stepKey}' produced an output`,
      data: { preview: preview(output) },
    });
    emit({
      type: 'STEP_SUCCESS',
      stepKey,
      message: `step '${stepKey}' succeeded in ${formatMs(durationMs)}`,
      data: { durationMs, attempt: args.attempt },
    });
    return { ok: true, output };
  } catch (error) {
    return { ok: false, error: toErrorInfo(error) };
  }
}

function checkInputs(step: StepNode, values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const checked: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(step.op.ins)) {
    const parsed = schema.safeParse(values[name]);
    if (!parsed.success)
      throw new RunyardError(
        `input '${name}' of step '${step.key}' does not match its schema: ${summarize(parsed.error.issues)}`,
        {
          data: { stepKey: step.key, input: name },
        },
      );
    checked[name] = parsed.data;
  }
  return checked;
}

function summarize(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
}

function createLogger(emit: EmitFn, stepKey: string): OpLogger {
  const log = (level: LogLevel, message: string, data?: Record<string, unknown>) =>
    emit({ type: 'LOG', level, stepKey, message: String(message), ...(data ? { data } : {}) });
  return {
    log,
    debug: (m, d) => log('debug', m, d),
    info: (m, d) => log('info', m, d),
    warning: (m, d) => log('warning', m, d),
    error: (m, d) => log('error', m, d),
  };
}

function preview(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(ms < 10 ? 2 : 0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
