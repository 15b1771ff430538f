import type { ThreadRunStepMessage } from './messages.js';
import type { StepThread, StepThreadOutcome, StepThreadSink } from './step-thread.js';

export interface StepThreadPoolOptions {
  /** The most threads alive at once: the executor's concurrency. */
  readonly size: number;
  readonly spawn: () => StepThread;
}

/**
 * The step threads of one execution. A thread loads Runyard and the job once (the slow part),
 * then runs one attempt after another; a thread that ended mid-attempt is dropped and the next
 * attempt that needs one starts a new one, so one bad step never takes the others' threads down.
 */
export class StepThreadPool {
  readonly #options: StepThreadPoolOptions;
  /** Alive and not running an attempt; the oldest (most likely ready) first. */
  readonly #idle: StepThread[] = [];
  readonly #busy = new Set<StepThread>();
  readonly #all = new Set<StepThread>();
  #stopping = false;
  /** Set once a thread could not load the job: later attempts fail the same way, with no new thread. */
  #loadFailure: StepThreadOutcome | undefined;

  constructor(options: StepThreadPoolOptions) {
    this.#options = options;
  }

  /** Threads alive (starting, idle or running a step). */
  get size(): number {
    return this.#all.size;
  }

  /** Starts threads ahead of need, so that `wanted` steps find one loaded (at most `size`). */
  warm(wanted: number): void {
    if (this.#stopping || this.#loadFailure) return;
    const target = Math.min(this.#options.size, wanted);
    while (this.#all.size < target) this.#idle.push(this.#start());
  }

  /** Runs one attempt on an idle thread, or a new one. Never rejects. */
  async runAttempt(message: ThreadRunStepMessage, sink: StepThreadSink): Promise<StepThreadOutcome> {
    if (this.#stopping) return cancelledBeforeStart();
    if (this.#loadFailure) return this.#loadFailure;
    const ready = this.#idle.findIndex((thread) => thread.isReady);
    const thread = (ready >= 0 ? this.#idle.splice(ready, 1)[0] : this.#idle.shift()) ?? this.#start();
    this.#busy.add(thread);
    try {
      const outcome = await thread.run(message, sink);
      if (!outcome.ok && thread.loadFailed) this.#loadFailure = outcome;
      return outcome;
    } finally {
      this.#busy.delete(thread);
      if (thread.isAlive && !this.#stopping) this.#idle.push(thread);
    }
  }

  /** Idle threads end now; running steps are asked to stop, and terminated after `graceMs`. */
  cancel(graceMs: number): void {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const thread of this.#idle.splice(0)) void thread.terminate();
    for (const thread of this.#busy) thread.cancel(graceMs);
  }

  /** Terminates every thread and resolves once all have ended (a thread takes tens of ms to tear down). */
  async close(): Promise<void> {
    this.#stopping = true;
    this.#idle.length = 0;
    const all = [...this.#all];
    await Promise.all(all.map((thread) => thread.terminate()));
    await Promise.all(all.map((thread) => thread.exited));
  }

  #start(): StepThread {
    const thread = this.#options.spawn();
    this.#all.add(thread);
    void thread.exited.then(() => {
      this.#all.delete(thread);
      const at = this.#idle.indexOf(thread);
      if (at >= 0) this.#idle.splice(at, 1);
    });
    return thread;
  }
}

function cancelledBeforeStart(): StepThreadOutcome {
  return {
    ok: false,
    retryable: false,
    error: { name: 'StepThreadError', message: 'the run was cancelled before the step started' },
  };
}
