import type { RunStepMessage } from './messages.js';
import {
  cancelledBeforeStart,
  type PooledStepProcess,
  type StepEventSink,
  type StepProcessOutcome,
} from './step-process-handle.js';

/** No process can start now: every start-up slot is taken. */
const WAIT = Symbol('wait');

export interface StepProcessPoolOptions {
  readonly spawn: () => PooledStepProcess;
  /** The most processes kept starting or waiting for a step, beside those running steps. */
  readonly maxSpares: number;
  /**
   * The most processes loading at once. Loading (Node, Runyard, the user's code) is all CPU, so
   * more start-ups than cores only slow each other down; a step whose process cannot start yet
   * waits for one to finish loading. Default: no cap.
   */
  readonly maxStarting?: number;
  /** How many steps a new process may run (maxStepsPerProcess). Default 1. */
  readonly stepsPerProcess?: number;
  /** How many steps have yet to start: no more spares than that are worth starting. */
  readonly demand: () => number;
  /** How long a process may take to exit when asked before it is SIGKILLed. */
  readonly terminateGraceMs: number;
}

/**
 * The step processes of one execution. A process costs ~150 ms of CPU to start and load the job,
 * so spares are started ahead of need; a step takes one that is ready (or the one closest to it),
 * and the next spare starts at once, as long as fewer than `maxStarting` are loading.
 *
 * A process made to run several steps (`maxStepsPerProcess`) comes back after each one and is the
 * first one the next step gets; the steps that processes can still take count against the spares
 * to start (a chain of steps keeps reusing one process, with no spare beside it). A process that crashed, was cancelled or has run its last step never comes back.
 */
export class StepProcessPool {
  readonly #options: StepProcessPoolOptions;
  readonly #maxStarting: number;
  readonly #stepsPerProcess: number;
  /** Oldest first: the oldest is the one most likely to be ready (a process back from a step goes first). */
  readonly #spares: PooledStepProcess[] = [];
  readonly #busy = new Set<PooledStepProcess>();
  readonly #all = new Set<PooledStepProcess>();
  #stopping = false;
  /** Set once a process could not load the job: later attempts fail the same way, unforked. */
  #loadFailure: StepProcessOutcome | undefined;
  #killTimer: NodeJS.Timeout | undefined;

  constructor(options: StepProcessPoolOptions) {
    this.#options = options;
    this.#maxStarting = options.maxStarting ?? Number.POSITIVE_INFINITY;
    this.#stepsPerProcess = options.stepsPerProcess ?? 1;
  }

  /** How many processes are alive: running a step, spare, or exiting. */
  get size(): number {
    return this.#all.size;
  }

  /** How many processes are loading now (never more than maxStarting). */
  get starting(): number {
    let count = 0;
    for (const handle of this.#all) if (handle.isStarting) count++;
    return count;
  }

  /** Starts or kills spares so that there are as many as may be useful. */
  refill(): void {
    this.#dropDeadSpares();
    let wanted = 0;
    if (!this.#stopping && !this.#loadFailure) {
      // Enough spares for the steps not yet started, counting what each process can take: a
      // running process takes `stepsLeft` more after its current step, a spare `stepsLeft` (one
      // unless processes are reused), a spare yet to start `stepsPerProcess`.
      let uncovered = this.#options.demand();
      for (const handle of this.#busy) uncovered -= handle.stepsLeft;
      for (const spare of this.#spares) {
        if (uncovered <= 0 || wanted >= this.#options.maxSpares) break;
        wanted++;
        uncovered -= Math.max(1, spare.stepsLeft);
      }
      while (uncovered > 0 && wanted < this.#options.maxSpares) {
        wanted++;
        uncovered -= this.#stepsPerProcess;
      }
    }
    while (this.#spares.length < wanted && this.starting < this.#maxStarting) this.#spares.push(this.#start());
    // The youngest spares have done the least work: they go first.
    while (this.#spares.length > wanted) this.#spares.pop()?.kill();
  }

  /** Runs one attempt in a process of the pool (a ready one when there is one). Never rejects. */
  async runAttempt(message: RunStepMessage, sink: StepEventSink): Promise<StepProcessOutcome> {
    // Taken at once when a process is at hand (no await before run(): the step is under way when
    // this returns its promise), else once a start-up slot frees.
    let handle = this.#take();
    while (handle === WAIT) {
      await Promise.race([...this.#all].filter((h) => h.isStarting).map((h) => h.settled));
      handle = this.#take();
    }
    if (!handle) return this.#loadFailure ?? cancelledBeforeStart();
    this.#busy.add(handle);
    this.refill();
    let outcome: StepProcessOutcome | undefined;
    try {
      outcome = await handle.run(message, sink);
      if (!outcome.ok && handle.loadFailed) {
        this.#loadFailure = outcome;
        this.refill();
      }
      return outcome;
    } finally {
      this.#busy.delete(handle);
      // Back first in line for the next step, unless it has run its last one (or the run is over).
      if (handle.stepsLeft > 0 && handle.isReady && !this.#stopping && outcome !== undefined) {
        this.#spares.unshift(handle);
        this.refill();
      }
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
    // A process that sent its last result exits by itself; one that hangs on the way out is killed.
    this.#killAfterGrace();
    await Promise.all([...this.#all].map((handle) => handle.exited));
    clearTimeout(this.#killTimer);
  }

  /**
   * A ready spare, else the oldest one still loading, else a new process if fewer than
   * maxStarting are loading, else WAIT; undefined once the pool stopped or the job cannot load.
   */
  #take(): PooledStepProcess | typeof WAIT | undefined {
    if (this.#stopping || this.#loadFailure) return undefined;
    this.#dropDeadSpares();
    const ready = this.#spares.findIndex((spare) => spare.isReady);
    const spare = ready >= 0 ? this.#spares.splice(ready, 1)[0] : this.#spares.shift();
    if (spare) return spare;
    return this.starting < this.#maxStarting ? this.#start() : WAIT;
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
    // A start-up slot frees when it finishes loading: spares held back by the cap can start.
    void handle.settled.then(() => this.refill());
    return handle;
  }
}
