import type { EmitEvent } from '../event-writer.js';
import type { RunStepMessage } from './messages.js';
import { cancelledBeforeStart, type StepProcessHandle, type StepProcessOutcome } from './step-process-handle.js';

export interface StepProcessPoolOptions {
  readonly spawn: () => StepProcessHandle;
  /** The most processes kept warming or waiting for a step, beside those running steps. */
  readonly maxSpares: number;
  /** How many steps have yet to start: no more spares than that are worth starting. */
  readonly demand: () => number;
  /** How long a cancelled step may take to stop before its process is SIGKILLed. */
  readonly terminateGraceMs: number;
}

/**
 * The step processes of one execution. A process costs ~150 ms to start and load the job, so
 * spares are started ahead of need and each step takes one that is ready or nearly so; then the
 * next spare starts at once. Each process still runs exactly one attempt and exits: the pool
 * hides the start-up time, it does not reuse processes.
 */
export class StepProcessPool {
  readonly #options: StepProcessPoolOptions;
  /** Oldest first, so the one most likely to be ready is taken first. */
  readonly #spares: StepProcessHandle[] = [];
  readonly #busy = new Set<StepProcessHandle>();
  readonly #all = new Set<StepProcessHandle>();
  #stopping = false;
  /** Set once a process could not load the job: later attempts fail the same way, unforked. */
  #loadFailure: StepProcessOutcome | undefined;
  #killTimer: NodeJS.Timeout | undefined;

  constructor(options: StepProcessPoolOptions) {
    this.#options = options;
  }

  /** Starts or kills spares so that there are as many as may be useful. */
  refill(): void {
    for (let i = this.#spares.length - 1; i >= 0; i--) {
      const spare = this.#spares[i] as StepProcessHandle;
      if (spare.diedIdle) this.#spares.splice(i, 1);
    }
    const wanted = this.#stopping || this.#loadFailure ? 0 : Math.max(0, Math.min(this.#options.maxSpares, this.#options.demand()));
    while (this.#spares.length < wanted) this.#spares.push(this.#start());
    // The youngest spares have the least done; those go first.
    while (this.#spares.length > wanted) (this.#spares.pop() as StepProcessHandle).kill();
  }

  /** Runs one attempt in a fresh process (a spare when one is there). Never rejects. */
  async runAttempt(message: RunStepMessage, onEvent: (event: EmitEvent) => void): Promise<StepProcessOutcome> {
    if (this.#stopping) return cancelledBeforeStart();
    if (this.#loadFailure) return this.#loadFailure;
    const index = this.#spares.findIndex((s) => s.isReady);
    const taken = index >= 0 ? this.#spares.splice(index, 1)[0] : this.#spares.shift();
    const handle = taken ?? this.#start();
    this.#busy.add(handle);
    this.refill();
    try {
      const outcome = await handle.run(message, onEvent);
      if (handle.loadFailed && !outcome.ok) {
        this.#loadFailure = outcome;
        this.refill();
      }
      return outcome;
    } finally {
      this.#busy.delete(handle);
    }
  }

  /**
   * Stops everything: idle spares are killed, running steps get `cancel` and SIGTERM, and what
   * is still alive after the grace period gets SIGKILL.
   */
  cancel(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.refill();
    for (const handle of this.#busy) handle.cancel();
    if (this.#busy.size === 0) return;
    this.#killTimer = setTimeout(() => {
      for (const handle of this.#all) handle.kill();
    }, this.#options.terminateGraceMs);
  }

  /** Kills the spares and resolves once every process of the pool has exited. */
  async close(): Promise<void> {
    this.#stopping = true;
    this.refill();
    await Promise.all([...this.#all].map((handle) => handle.exited));
    clearTimeout(this.#killTimer);
  }

  #start(): StepProcessHandle {
    const handle = this.#options.spawn();
    this.#all.add(handle);
    void handle.exited.then(() => this.#all.delete(handle));
    return handle;
  }
}
