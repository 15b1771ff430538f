import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Storage } from '../../storage/storage.js';
import { stderrNote } from '../../util/stderr-note.js';
import type {
  FromHeartbeatThread,
  HeartbeatTarget,
  HeartbeatThreadData,
  ToHeartbeatThread,
} from './heartbeat-messages.js';
import { retryDelayMs, writeHeartbeat } from './write-heartbeat.js';

export interface RunHeartbeatOptions {
  readonly storage: Storage;
  /**
   * `Instance.serialize()`, from which the thread opens its own storage connection. Without it (an
   * ephemeral, in-memory instance) the heartbeats come from this event loop.
   */
  readonly serializedInstance?: string;
  readonly target: HeartbeatTarget;
  readonly intervalMs: number;
  /** Where trouble is reported (default: stderr, which is the run's compute log in a worker). */
  readonly log?: (line: string) => void;
}

const THREAD_FILE = fileURLToPath(new URL('./heartbeat-thread.js', import.meta.url));
// A thread that keeps dying (it cannot load, say) is replaced this many times, then the event loop takes over.
const MAX_RESTARTS = 3;
const STOP_WAIT_MS = 2_000;
// A small young generation: the thread allocates little, and the default one is most of its cost.
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 2 };

/** A thread started before its run, its storage opening or open (see prepareHeartbeatThread). */
interface StandbyThread {
  readonly thread: Worker;
  readonly serializedInstance: string;
  ready: boolean;
  /** Stops listening as the standby: the adopting RunHeartbeat listens from then on. */
  readonly detach: () => void;
}
let standby: StandbyThread | undefined;

/**
 * Starts the next run's heartbeat thread now, without a run: a warm run worker calls this while
 * it waits, so that a run handed to it does not pay for a thread's start (a Node environment and
 * Runyard's storage, loaded beside the run's own work on a busy machine). The next
 * `RunHeartbeat.start` for the same instance adopts it; one for another instance ends it.
 */
export function prepareHeartbeatThread(serializedInstance: string): void {
  if (standby || !existsSync(THREAD_FILE)) return;
  const data: HeartbeatThreadData = { serializedInstance, intervalMs: 0 };
  const thread = new Worker(THREAD_FILE, { workerData: data, resourceLimits: THREAD_LIMITS });
  thread.unref();
  const onMessage = (message: FromHeartbeatThread) => {
    if (message.type === 'ready') entry.ready = true;
  };
  const entry: StandbyThread = {
    thread,
    serializedInstance,
    ready: false,
    detach: () => thread.off('message', onMessage),
  };
  standby = entry;
  thread.on('message', onMessage);
  thread.on('error', () => undefined); // its exit says enough: the next run starts a thread of its own
  thread.once('exit', () => {
    if (standby === entry) standby = undefined;
  });
}

/** The standby thread, if it was started for this instance and is alive; any other one is ended. */
function takeStandby(serializedInstance: string): StandbyThread | undefined {
  const entry = standby;
  standby = undefined;
  if (!entry) return undefined;
  if (entry.serializedInstance === serializedInstance) return entry;
  void entry.thread.terminate();
  return undefined;
}

/**
 * Heartbeats for a run being executed in this process (a run worker, or `runyard job execute`),
 * from a worker thread that user code cannot block (see heartbeat-thread.ts). The first beat is
 * written before `start` returns; `stop` ends the thread and closes its storage connection. The
 * thread never keeps the process alive, and dies with it, so a dead process stops heartbeating.
 */
export class RunHeartbeat {
  readonly #options: RunHeartbeatOptions;
  readonly #log: (line: string) => void;
  #thread: Worker | undefined;
  /** The thread has opened its storage connection (it said `ready`). */
  #threadReady = false;
  #timer: NodeJS.Timeout | undefined;
  #restarts = 0;
  #stopping = false;

  private constructor(options: RunHeartbeatOptions) {
    this.#options = options;
    this.#log = options.log ?? ((line) => stderrNote(`runyard worker: ${line}`));
  }

  static async start(options: RunHeartbeatOptions): Promise<RunHeartbeat> {
    const heartbeat = new RunHeartbeat(options);
    try {
      await writeHeartbeat(options.storage, options.target);
    } catch (error) {
      heartbeat.#log(`could not write the first heartbeat (retrying): ${(error as Error).message}`);
    }
    const ready = options.serializedInstance ? takeStandby(options.serializedInstance) : undefined;
    if (ready) heartbeat.#adopt(ready);
    else if (options.serializedInstance && existsSync(THREAD_FILE)) heartbeat.#spawn(options.serializedInstance);
    else heartbeat.#useEventLoop();
    return heartbeat;
  }

  /** Whether the beats come from a thread (false: from this event loop, the fallback). */
  get threaded(): boolean {
    return this.#thread !== undefined;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    const thread = this.#thread;
    if (!thread) return;
    if (!this.#threadReady) {
      // A run shorter than the thread's own start (most one-op runs): it has opened nothing and
      // written nothing yet, so it is stopped where it is rather than left to load everything first.
      this.#thread = undefined;
      await thread.terminate();
      return;
    }
    // Held until the thread has closed its storage connection, but not for ever.
    thread.ref();
    const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
    thread.postMessage({ type: 'stop' } satisfies ToHeartbeatThread);
    const kill = setTimeout(() => void thread.terminate(), STOP_WAIT_MS);
    await exited;
    clearTimeout(kill);
    this.#thread = undefined;
  }

  #spawn(serializedInstance: string): void {
    const workerData: HeartbeatThreadData = {
      serializedInstance,
      target: this.#options.target,
      intervalMs: this.#options.intervalMs,
    };
    const thread = new Worker(THREAD_FILE, { workerData, resourceLimits: THREAD_LIMITS });
    thread.unref();
    this.#watch(thread, serializedInstance, false);
  }

  /** Takes over a thread started ahead of the run, and tells it which run to beat for. */
  #adopt(entry: StandbyThread): void {
    entry.detach();
    this.#watch(entry.thread, entry.serializedInstance, entry.ready);
    entry.thread.postMessage({
      type: 'beat',
      target: this.#options.target,
      intervalMs: this.#options.intervalMs,
    } satisfies ToHeartbeatThread);
  }

  #watch(thread: Worker, serializedInstance: string, ready: boolean): void {
    this.#thread = thread;
    this.#threadReady = ready;
    thread.on('message', (message: FromHeartbeatThread) => {
      if (message.type === 'ready' && this.#thread === thread) this.#threadReady = true;
      // One failed beat, retried 100 ms later, is not worth a line (it may be the last beat racing
      // the run's end); a second one in a row is.
      if (message.type === 'beat-failed' && (message.failures === 2 || message.failures % 10 === 0))
        this.#log(`heartbeat failed ${message.failures} time(s) in a row, retrying: ${message.message}`);
      else if (message.type === 'beat-recovered' && message.failures >= 2)
        this.#log(`heartbeat written again after ${message.failures} failure(s)`);
    });
    thread.on('error', (error) => this.#log(`the heartbeat thread failed: ${error.message}`));
    thread.on('exit', () => {
      if (this.#stopping || this.#thread !== thread) return;
      this.#thread = undefined;
      if (++this.#restarts > MAX_RESTARTS) {
        this.#log('the heartbeat thread keeps failing; heartbeats now come from the main event loop');
        this.#useEventLoop();
        return;
      }
      this.#timer = setTimeout(() => {
        if (!this.#stopping) this.#spawn(serializedInstance);
      }, this.#options.intervalMs);
      this.#timer.unref();
    });
  }

  /** The fallback: beats from this event loop, retried with backoff like the thread's. */
  #useEventLoop(failures = 0): void {
    const delay = failures === 0 ? this.#options.intervalMs : retryDelayMs(failures, this.#options.intervalMs);
    this.#timer = setTimeout(async () => {
      if (this.#stopping) return;
      let next = 0;
      try {
        await writeHeartbeat(this.#options.storage, this.#options.target);
      } catch (error) {
        next = failures + 1;
        if (next === 2) this.#log(`heartbeat failed twice in a row, retrying: ${(error as Error).message}`);
      }
      if (!this.#stopping) this.#useEventLoop(next);
    }, delay);
    this.#timer.unref();
  }
}
