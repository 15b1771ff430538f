/**
 * What a step process does once step-process.ts has turned the compile cache on: loads the job,
 * waits for `run_step`, runs that attempt, reports, and then exits, or, while it has run fewer
 * than `boot.maxSteps` attempts, waits for the next one. Attempts run one at a time, each with its
 * own abort signal; module-level state of the user's code is shared between the attempts that one
 * process runs (the isolation trade-off of `maxStepsPerProcess`, in docs/performance.md).
 *
 * It has no storage: events go to the parent, which records them, and outputs go through the IO
 * manager that `run_step` describes. It is forked ahead of need (a spare), so the slow part (Node,
 * Runyard and the user's code loading) overlaps with other steps running.
 */
import { exitProcess } from '../../cli/fast-start.js';
import { loadCodeLocation } from '../../code-location/load-code-location.js';
import type { JobDefinition } from '../../definitions/job.js';
import { stepNodeOf } from '../../definitions/step-key.js';
import { errorFromInfo, RunyardError } from '../../errors.js';
import { toErrorInfo } from '../../events/error-info.js';
import type { EmitEvent } from '../event-writer.js';
import type { IOManager } from '../io-manager.js';
import { runStepAttempt } from '../step-attempt.js';
import { loadInputs } from '../step-inputs.js';
import { ioManagerFromConfig } from './io-manager-from-config.js';
import { type ChildMessage, isParentMessage, parseBoot, type ResultMessage, type RunStepMessage } from './messages.js';

if (!process.send) {
  process.stderr.write('step-process.js is started by the multiprocess executor, with an IPC channel\n');
  process.exit(2);
}

const boot = parseBoot(process.argv[2]);
const maxSteps = boot.maxSteps ?? 1;
/** The running attempt's: each attempt gets a signal of its own. */
let controller = new AbortController();
let phase: 'loading' | 'idle' | 'running' | 'done' = 'loading';
let job: JobDefinition | undefined;
let flushed: { resolve: () => void; reject: (error: Error) => void } | undefined;
let stepsRun = 0;
/** Built once per process: every step of a run describes the same IO manager. */
let ioManager: { readonly key: string; readonly built: Promise<IOManager> } | undefined;

// While a step runs, SIGTERM or `cancel` aborts its ctx.signal so that the op can stop cleanly
// (the parent SIGKILLs after a grace period). Before a step runs, or between two, there is
// nothing to finish.
function stop(): void {
  if (phase === 'running') controller.abort();
  else if (phase !== 'done') process.exit(143);
}
process.on('SIGTERM', stop);
// The parent went away (crashed or was killed): nobody is left to read a result.
process.on('disconnect', () => process.exit(1));
process.on('message', (message: unknown) => {
  if (!isParentMessage(message)) {
    process.stderr.write(`step process: ignoring a message outside the protocol (${typeof message})\n`);
    return;
  }
  if (message.type === 'cancel') stop();
  else if (message.type === 'flushed') {
    const waiter = flushed;
    flushed = undefined;
    if (message.error) waiter?.reject(errorFromInfo(message.error));
    else waiter?.resolve();
  } else void runStep(message);
});

try {
  const location = await loadCodeLocation(boot.codeLocation, { cwd: boot.cwd });
  job = location.getJob(boot.jobName);
  phase = 'idle';
  void send({ type: 'ready' });
} catch (error) {
  phase = 'done';
  await sendAndExit({ type: 'load_error', error: toErrorInfo(error) }, 1);
}

async function runStep(message: RunStepMessage): Promise<void> {
  if (phase !== 'idle') {
    const error = new RunyardError(`a step process got run_step while ${phase}; it runs one step at a time`);
    await sendAndExit({ type: 'result', ok: false, error: toErrorInfo(error), retryable: false }, 1);
    return;
  }
  phase = 'running';
  stepsRun++;
  controller = new AbortController();
  let result: ResultMessage;
  try {
    result = await attempt(job as JobDefinition, message);
  } catch (error) {
    result = { type: 'result', ok: false, error: toErrorInfo(error), retryable: true };
  }
  // Cancelled while running: the parent is stopping the run and wants this process gone.
  if (stepsRun >= maxSteps || controller.signal.aborted) {
    phase = 'done';
    await sendAndExit(result, 0);
    return;
  }
  phase = 'idle';
  void send(result);
}

async function attempt(job: JobDefinition, message: RunStepMessage): Promise<ResultMessage> {
  const final = (error: unknown): ResultMessage => ({
    type: 'result',
    ok: false,
    error: toErrorInfo(error),
    retryable: false,
  });
  // A mapped step (`load[a.csv]`) runs its graph node under its own key.
  const node = job.graph.steps.get(stepNodeOf(message.stepKey));
  const step = node && node.key !== message.stepKey ? { ...node, key: message.stepKey } : node;
  if (message.jobName !== job.name || !step)
    return final(
      new RunyardError(
        `step '${message.stepKey}' of job '${message.jobName}' is not in job '${job.name}' as this step process loaded it from ${boot.codeLocation}`,
      ),
    );
  const { runId, stepKey } = message;
  let io: IOManager;
  let inputs: Record<string, unknown>;
  try {
    io = await ioManagerFor(message);
    inputs = await loadInputs(message.inputs, (key) => io.loadOutput(key));
  } catch (error) {
    return final(error);
  }

  // What the op emits after its attempt ended (a log from a timer it left behind) is dropped, as
  // it is when the process exits: it must not land among the next attempt's events.
  let current = true;
  const result = await runStepAttempt({
    runId,
    jobName: job.name,
    tags: message.tags,
    step,
    config: message.config,
    inputs,
    attempt: message.attempt,
    signal: controller.signal,
    flush: () =>
      new Promise<void>((resolve, reject) => {
        flushed = { resolve, reject };
        void send({ type: 'flush' });
      }),
    emit: (event) => {
      if (current) sendEvent({ ...event, timestamp: event.timestamp ?? Date.now() });
    },
    storeOutput: (output) => io.storeOutput({ runId, stepKey }, output),
  });
  current = false;
  if (!result.ok) return { type: 'result', ok: false, error: result.error, retryable: result.retryable ?? true };
  return { type: 'result', ok: true };
}

/** The IO manager `run_step` describes, built on first use and kept for the process's next steps. */
function ioManagerFor(message: RunStepMessage): Promise<IOManager> {
  let key: string;
  try {
    key = JSON.stringify(message.ioManager);
  } catch {
    // A config JSON cannot hold (a BigInt): built for this step alone.
    return ioManagerFromConfig(message.ioManager, boot.cwd);
  }
  if (ioManager?.key !== key) {
    const built = ioManagerFromConfig(message.ioManager, boot.cwd);
    ioManager = { key, built };
    // A failed build is not kept: the next step tries again (and fails with its own error).
    built.catch(() => {
      if (ioManager?.built === built) ioManager = undefined;
    });
  }
  return ioManager.built;
}

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    try {
      (process.send as NonNullable<typeof process.send>)(message, undefined, undefined, () => resolve());
    } catch {
      resolve();
    }
  });
}

/** Event data that structured clone refuses (a function in a log's data) is sent as JSON keeps it. */
function sendEvent(event: EmitEvent): void {
  try {
    (process.send as NonNullable<typeof process.send>)({ type: 'event', event } satisfies ChildMessage);
  } catch (error) {
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(JSON.stringify(event.data ?? {})) as Record<string, unknown>;
    } catch {
      data = { unsendable: `the event's data could not be sent from the step process: ${String(error)}` };
    }
    void send({ type: 'event', event: { ...event, data } });
  }
}

async function sendAndExit(message: ChildMessage, code: number): Promise<never> {
  await send(message);
  // Let what the op printed reach the parent before the pipes close.
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((r) => s.write('', () => r()))));
  // Writes what the compile cache gathered, which process.exit() would skip.
  exitProcess(code);
}
