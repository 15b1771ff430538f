import type { RunStepMessage } from './messages.js';
import {
  cancelledBeforeStart,
  type PooledStepProcess,
  type StepEventSink,
  type StepProcessOutcome,
} from './step-process-handle.js';

export interface StepProcessPoolOptions {
  readonly spawn: () => PooledStepProcess;
  /** The most processes kept starting or waiting for a step, beside those running steps. */
  readonly maxSpares: number;
  /** How many steps have yet to start: no more spares than that are worth starting. */
  readonly demand: () => number;
  /** How long a process may take to exit when asked before it is SIGKILLed. */
  readonly terminateGraceMs: number;
}

/**
 * The step processes of one execution. A process costs ~150 ms of CPU to start and load the job,
 * so spares are started ahead of need; a step takes one that is ready (or the one closest to it),
 * and the next spare starts at once. Each process still runs exactly one attempt and exits: the
 * pool hides the start-up time, it never reuses a process.
 */
export class StepProcessPool {
  readonly #options: StepProcessPoolOptions;
  /** Oldest first: the oldest is the one most likely to be ready. */
  readonly #spares: PooledStepProcess[] = [];
  readonly #busy = new Set<PooledStepProcess>();
  readonly #all = new Set<PooledStepProcess>();
  #stopping = false;
  /** Set once a process could not load the job: later attempts fail the same way, unforked. */
  #loadFailure: StepProcessOutcome | undefined;
  #killTimer: NodeJS.Timeout | undefined;

  constructor(options: StepProcessPoolOptions) {
    this.#options = options;
  }

  /** How many processes are alive: running a step, spare, or exiting. */
  get size(): number {
    return this.#all.size;
  }

  /** Starts or kills spares so that there are as many as may be useful. */
  refill(): void {
    this.#dropDeadSpares();
    const wanted =
      this.#stopping || this.#loadFailure ? 0 : Math.max(0, Math.min(this.#options.maxSpares, this.#options.demand()));
    while (this.#spares.length < wanted) this.#spares.push(this.#start());
    // The youngest spares have done the least work: they go first.
    while (this.#spares.length > wanted) this.#spares.pop()?.kill();
  }

  /** Runs one attempt in a fresh process (a spare when there is one). Never rejects. */
  async runAttempt(message: RunStepMessage, sink: StepEventSink): Promise<StepProcessOutcome> {
    if (this.#stopping) return cancelledBeforeStart();
    if (this.#loadFailure) return this.#loadFailure;
    this.#dropDeadSpares();
    const ready = this.#spares.findIndex((spare) => spare.isReady);
    const handle = (ready >= 0 ? this.#spares.splice(ready, 1)[0] : this.#spares.shift()) ?? this.#start();
    this.#busy.add(handle);
    this.refill();
    try {
      const outcome = await handle.run(message, sink);
      if (!outcome.ok && handle.loadFailed) {
        this.#loadFailure = outcome;
        this.refill();
      }
      return outcome;
    } finally {
      this.#busy.delete(handle);
    }
  }

  /**
   * Stops everything: spares are killed, running steps get `cancel` and SIGTERM, and whatever is
   * alive after the grace period gets SIGKILL.
   */
  cancel(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.refill();
    for (const handle of this.#busy) handle.cancel();
    this.#killAfterGrace();
  }

  /** Kills the spares and resolves once every process of the pool has exited. */
  async close(): Promise<void> {
    this.#stopping = true;
    this.refill();
    // A process that sent its result exits by itself; one that hangs on the way out is killed.
    this.#killAfterGrace();
    await Promise.all([...this.#all].map((handle) => handle.exited));
    clearTimeout(this.#killTimer);
  }

  #dropDeadSpares(): void {
    for (let i = this.#spares.length - 1; i >= 0; i--) if (this.#spares[i]?.diedIdle) this.#spares.splice(i, 1);
  }

  #killAfterGrace(): void {
    if (this.#killTimer || this.#all.size === 0) return;
    this.#killTimer = setTimeout(() => {
      for (const handle of this.#all) handle.kill();
    }, this.#options.terminateGraceMs);
  }

  #start(): PooledStepProcess {
    const handle = this.#options.spawn();
    this.#all.add(handle);
    void handle.exited.then(() => this.#all.delete(handle));
    return handle;
  }
}
