/**
 * The heartbeat thread's entry point. It has its own event loop and its own storage connection,
 * so an op that blocks the worker's event loop (a long synchronous computation) cannot stop the
 * heartbeats, and monitoring does not take a busy worker for a dead one. A beat that fails is
 * retried (with backoff, up to the interval) until storage answers; nothing here ends the process.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Instance } from '../../instance/instance.js';
import type { FromHeartbeatThread, HeartbeatThreadData, ToHeartbeatThread } from './heartbeat-messages.js';
import { retryDelayMs, writeHeartbeat } from './write-heartbeat.js';

const data = workerData as HeartbeatThreadData;
const port = parentPort;
if (!port) throw new Error('heartbeat-thread.js runs as a worker thread');
const post = (message: FromHeartbeatThread) => port.postMessage(message);

let stopping = false;
let wake: (() => void) | undefined;
// A thread started ahead of its run (a warm worker's, while it waits) is told its run later.
let target = data.target;
let intervalMs = data.intervalMs;
let started: (() => void) | undefined;
port.on('message', (message: ToHeartbeatThread) => {
  if (message.type === 'stop') {
    stopping = true;
    wake?.();
    started?.();
  } else if (message.type === 'beat' && !target) {
    target = message.target;
    intervalMs = message.intervalMs;
    started?.();
  }
});

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });

const instance = await Instance.fromSerialized(data.serializedInstance);
post({ type: 'ready' });
let failures = 0;
try {
  if (!target && !stopping)
    await new Promise<void>((resolve) => {
      started = resolve;
    });
  while (!stopping && target) {
    await sleep(failures === 0 ? intervalMs : retryDelayMs(failures, intervalMs));
    if (stopping) break;
    try {
      await writeHeartbeat(instance.storage, target);
      if (failures > 0) post({ type: 'beat-recovered', failures });
      failures = 0;
    } catch (error) {
      failures++;
      post({ type: 'beat-failed', failures, message: (error as Error)?.message ?? String(error) });
    }
  }
} finally {
  await instance.dispose().catch(() => undefined);
  post({ type: 'stopped' });
  // The port's listener is all that is left: without this the thread would never exit by itself,
  // and stop() would wait out its whole grace before terminating it.
  port.unref();
}
