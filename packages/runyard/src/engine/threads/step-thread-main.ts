/**
 * The entry of a step thread: a worker_thread of the threads executor that loads Runyard, the
 * code location and the job once, then runs one step attempt at a time for as long as the run
 * lasts. The protocol is in messages.ts.
 *
 *   new Worker('dist/engine/threads/step-thread-main.js', { workerData: boot, stdout: true, stderr: true });
 *
 * It has no storage and no IO manager: events go to the main thread, which records them, and the
 * output is handed to the main thread, which stores it. Module-level state of the user's code
 * stays loaded between the steps this thread runs (docs/executors.md says what that means).
 */
import { isMainThread, type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { enableCompileCache } from '../../cli/fast-start.js';
import { loadCodeLocation } from '../../code-location/load-code-location.js';
import type { JobDefinition } from '../../definitions/job.js';
import { stepNodeOf } from '../../definitions/step-key.js';
import { errorFromInfo, RunyardError } from '../../errors.js';
import { toErrorInfo } from '../../events/error-info.js';
import type { EmitEvent } from '../event-writer.js';
import { runStepAttempt } from '../step-attempt.js';
import {
  isMainMessage,
  isStepThreadBoot,
  type StepThreadBoot,
  type ThreadMessage,
  type ThreadReplyMessage,
  type ThreadRunStepMessage,
} from './messages.js';

if (isMainThread || !parentPort || !isStepThreadBoot(workerData)) {
  process.stderr.write('step-thread-main.js is started by the threads executor, as a worker thread\n');
  process.exit(2);
}

// Node ≥ 22.1: the code location's import of Runyard, zod and the user's modules reuses V8's
// compiled code from earlier threads and processes (nothing happens on Node 20).
enableCompileCache();

const port = parentPort as MessagePort;
const boot = workerData as StepThreadBoot;
let job: JobDefinition | undefined;
let current: AbortController | undefined;
let waiting: { type: ThreadReplyMessage['type']; resolve: () => void; reject: (error: Error) => void } | undefined;

port.on('message', (message: unknown) => {
  if (!isMainMessage(message)) {
    process.stderr.write(`step thread: ignoring a message outside the protocol (${typeof message})\n`);
    return;
  }
  if (message.type === 'cancel') current?.abort();
  else if (message.type === 'run_step') void runStep(message);
  else if (waiting?.type === message.type) {
    const waiter = waiting;
    waiting = undefined;
    if (message.error) waiter.reject(errorFromInfo(message.error));
    else waiter.resolve();
  }
});

try {
  job = (await loadCodeLocation(boot.codeLocation, { cwd: boot.cwd })).getJob(boot.jobName);
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'load_error', error: toErrorInfo(error) });
  // Nothing more to do here; the main thread fails the steps that would have come.
  port.close();
}

async function runStep(message: ThreadRunStepMessage): Promise<void> {
  let result: ThreadMessage;
  try {
    result = await attempt(job as JobDefinition, message);
  } catch (error) {
    result = { type: 'result', ok: false, error: toErrorInfo(error), retryable: true };
  }
  current = undefined;
  // What the op printed must reach the main thread before its result does: stdout travels on
  // a port of its own, and a write's callback runs once the main thread has taken the data.
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((r) => s.write('', () => r()))));
  send(result);
}

async function attempt(job: JobDefinition, message: ThreadRunStepMessage): Promise<ThreadMessage> {
  // A mapped step (`load[a.csv]`) runs its graph node under its own key.
  const node = job.graph.steps.get(stepNodeOf(message.stepKey));
  const step = node && node.key !== message.stepKey ? { ...node, key: message.stepKey } : node;
  if (!step)
    return {
      type: 'result',
      ok: false,
      retryable: false,
      error: toErrorInfo(
        new RunyardError(
          `step '${message.stepKey}' is not in job '${job.name}' as this step thread loaded it from ${boot.codeLocation}`,
        ),
      ),
    };
  current = new AbortController();
  const result = await runStepAttempt({
    runId: message.runId,
    jobName: job.name,
    tags: message.tags,
    step,
    config: message.config,
    inputs: message.inputs,
    attempt: message.attempt,
    signal: current.signal,
    flush: () => request('flushed', { type: 'flush' }),
    emit: (event) => sendEvent({ ...event, timestamp: event.timestamp ?? Date.now() }),
    storeOutput: (value) => {
      try {
        port.postMessage({ type: 'store_output', value } satisfies ThreadMessage);
      } catch (error) {
        throw new RunyardError(
          `the output of step '${message.stepKey}' cannot leave its thread: ${(error as Error).message}`,
          { cause: error },
        );
      }
      return reply('stored');
    },
  });
  if (!result.ok) return { type: 'result', ok: false, error: result.error, retryable: result.retryable ?? true };
  return { type: 'result', ok: true };
}

function request(type: ThreadReplyMessage['type'], message: ThreadMessage): Promise<void> {
  const answered = reply(type);
  send(message);
  return answered;
}

function reply(type: ThreadReplyMessage['type']): Promise<void> {
  return new Promise((resolve, reject) => {
    waiting = { type, resolve, reject };
  });
}

function send(message: ThreadMessage): void {
  port.postMessage(message);
}

/** Event data that structured clone refuses (a function in a log's data) is sent as JSON keeps it. */
function sendEvent(event: EmitEvent): void {
  try {
    port.postMessage({ type: 'event', event } satisfies ThreadMessage);
  } catch (error) {
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(JSON.stringify(event.data ?? {})) as Record<string, unknown>;
    } catch {
      data = { unsendable: `the event's data could not be sent from the step thread: ${String(error)}` };
    }
    send({ type: 'event', event: { ...event, data } });
  }
}
