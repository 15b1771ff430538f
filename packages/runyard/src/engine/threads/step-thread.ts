import type { Writable } from 'node:stream';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import { type ErrorInfo, toErrorInfo } from '../../events/error-info.js';
import type { EmitFn } from '../event-writer.js';
import { LineForwarder } from '../multiprocess/line-forwarder.js';
import type { StepAttemptResult } from '../step-attempt.js';
import type { FinalStepFailure } from '../step-retry.js';
import {
  isThreadMessage,
  type MainMessage,
  type StepThreadBoot,
  type ThreadMessage,
  type ThreadRunStepMessage,
} from './messages.js';

/** How many lines of a crashed step thread's stderr its error carries. */
const STDERR_TAIL_LINES = 20;

export interface StepThreadOptions {
  /** The compiled step-thread-main.js. */
  readonly entry: string;
  readonly boot: StepThreadBoot;
  readonly resourceLimits?: ResourceLimits;
  readonly execArgv: readonly string[];
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/** Where an attempt's events and output go: the run's event writer and the plan runner. */
export interface StepThreadSink {
  readonly emit: EmitFn;
  readonly flush?: () => Promise<void>;
  readonly storeOutput: (output: unknown) => Promise<void>;
}

export type StepThreadOutcome = StepAttemptResult | FinalStepFailure;

interface ThreadExit {
  readonly code: number;
  /** What the Worker's 'error' event carried: an uncaught exception, or running out of heap. */
  readonly error?: Error;
}

type Readiness =
  | { readonly kind: 'ready' }
  | { readonly kind: 'load_error'; readonly error: ErrorInfo }
  | { readonly kind: 'exited' };

/**
 * The main thread's side of one step thread: starts it, runs attempts in it one at a time,
 * relays their events and outputs, and turns a thread that ends mid-attempt (process.exit, an
 * uncaught exception, its heap limit, a cancel it ignored) into an error that says which.
 */
export class StepThread {
  readonly #worker: Worker;
  readonly #boot: StepThreadBoot;
  readonly #limits: ResourceLimits | undefined;
  readonly #stderr: LineForwarder;
  readonly #readiness: Promise<Readiness>;
  #state: 'starting' | 'ready' | 'running' | 'exited' = 'starting';
  #loadFailed = false;
  #error: Error | undefined;
  #terminatedAfterMs: number | undefined;
  #cancelledBeforeRun = false;
  #killTimer: NodeJS.Timeout | undefined;
  #onMessage: ((message: ThreadMessage) => void) | undefined;
  /** Where events go that arrive between attempts (a ctx.log from a timer the step left behind). */
  #lastEmit: StepThreadSink['emit'] | undefined;
  /** Resolves once the thread has ended, whatever ended it. */
  readonly exited: Promise<ThreadExit>;

  constructor(options: StepThreadOptions) {
    this.#boot = options.boot;
    this.#limits = options.resourceLimits;
    let resolveReadiness!: (readiness: Readiness) => void;
    this.#readiness = new Promise((resolve) => {
      resolveReadiness = resolve;
    });
    this.#worker = new Worker(options.entry, {
      workerData: options.boot,
      execArgv: [...options.execArgv],
      stdout: true,
      stderr: true,
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
    });
    new LineForwarder(this.#worker.stdout, options.stdout);
    this.#stderr = new LineForwarder(this.#worker.stderr, options.stderr, { keepLines: STDERR_TAIL_LINES });
    this.#worker.on('message', (message: unknown) => {
      if (!isThreadMessage(message)) {
        this.#error ??= new Error(`step thread sent a message outside the protocol: ${describe(message)}`);
        void this.#worker.terminate();
      } else if (message.type === 'ready') {
        if (this.#state === 'starting') this.#state = 'ready';
        resolveReadiness({ kind: 'ready' });
      } else if (message.type === 'load_error') {
        this.#loadFailed = true;
        resolveReadiness({ kind: 'load_error', error: message.error });
      } else if (this.#onMessage) this.#onMessage(message);
      else if (message.type === 'event') this.#lastEmit?.(message.event);
    });
    // An uncaught exception in the thread, or its heap limit; 'exit' follows.
    this.#worker.on('error', (error) => {
      this.#error ??= error;
    });
    this.exited = new Promise((resolve) => {
      this.#worker.on('exit', (code) => {
        this.#state = 'exited';
        clearTimeout(this.#killTimer);
        resolveReadiness({ kind: 'exited' });
        resolve({ code, ...(this.#error ? { error: this.#error } : {}) });
      });
    });
  }

  get threadId(): number {
    return this.#worker.threadId;
  }

  get isReady(): boolean {
    return this.#state === 'ready';
  }

  get isAlive(): boolean {
    return this.#state !== 'exited';
  }

  get loadFailed(): boolean {
    return this.#loadFailed;
  }

  /** Runs one attempt in this thread. Never rejects: every failure is the outcome. */
  async run(message: ThreadRunStepMessage, sink: StepThreadSink): Promise<StepThreadOutcome> {
    if (this.#state === 'running') throw new Error('a step thread runs one attempt at a time');
    const readiness = await this.#readiness;
    if (this.#cancelledBeforeRun)
      return {
        ok: false,
        retryable: false,
        error: { name: 'StepThreadError', message: 'the run was cancelled before the step started' },
      };
    if (readiness.kind === 'load_error')
      return {
        ok: false,
        retryable: false,
        error: {
          name: 'StepThreadLoadError',
          message: `step thread could not load job '${this.#boot.jobName}' from code location '${this.#boot.codeLocation}'`,
          cause: readiness.error,
        },
      };
    if (this.#state === 'exited') return this.#crashed(await this.exited);

    this.#lastEmit = sink.emit;
    const result = new Promise<StepThreadOutcome>((resolve) => {
      this.#onMessage = (reply) => {
        if (reply.type === 'event') sink.emit(reply.event);
        else if (reply.type === 'flush') this.#answer('flushed', sink.flush?.());
        else if (reply.type === 'store_output') this.#answer('stored', sink.storeOutput(reply.value));
        else if (reply.type === 'result')
          resolve(
            reply.ok ? { ok: true, output: undefined } : { ok: false, error: reply.error, retryable: reply.retryable },
          );
      };
    });
    try {
      this.#worker.postMessage(message satisfies MainMessage);
    } catch (error) {
      // Structured clone refused the message (a step config holding a function, say); the
      // thread never saw it and stays usable.
      return {
        ok: false,
        retryable: false,
        error: {
          name: 'StepThreadError',
          message: `could not send step '${message.stepKey}' to its thread: ${(error as Error).message}`,
        },
      };
    }
    this.#state = 'running';
    const outcome = await Promise.race([result, this.exited.then((exit) => this.#crashed(exit))]);
    this.#onMessage = undefined;
    if (this.#state === 'running') this.#state = 'ready';
    return outcome;
  }

  /**
   * Asks a running step to stop (its ctx.signal aborts) and terminates the thread if it has not
   * finished `graceMs` later; a thread with no step is terminated at once.
   */
  cancel(graceMs: number): void {
    if (this.#state === 'exited') return;
    if (this.#state !== 'running') {
      this.#cancelledBeforeRun = true;
      void this.#worker.terminate();
      return;
    }
    this.#post({ type: 'cancel' });
    this.#killTimer ??= setTimeout(() => {
      this.#terminatedAfterMs = graceMs;
      void this.#worker.terminate();
    }, graceMs);
  }

  /** Ends the thread; it no longer keeps the process alive while it tears down. */
  terminate(): Promise<unknown> {
    if (this.#state === 'exited') return this.exited;
    this.#worker.unref();
    return this.#worker.terminate();
  }

  #answer(type: 'flushed' | 'stored', work: Promise<void> | undefined): void {
    Promise.resolve(work).then(
      () => this.#post({ type }),
      (error: unknown) => this.#post({ type, error: toErrorInfo(error) }),
    );
  }

  #post(message: MainMessage): void {
    if (this.#state === 'exited') return;
    try {
      this.#worker.postMessage(message);
    } catch {
      // The thread is on its way out; 'exit' reports how.
    }
  }

  #crashed(exit: ThreadExit): StepThreadOutcome {
    const outOfMemory = (exit.error as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
    const heapMb = this.#limits?.maxOldGenerationSizeMb;
    const message =
      this.#terminatedAfterMs !== undefined
        ? `step thread was terminated: the run was cancelled and the step had not stopped ${this.#terminatedAfterMs} ms after its signal was aborted`
        : outOfMemory
          ? `step thread ran out of memory${heapMb ? ` (its heap limit, resourceLimits.maxOldGenerationSizeMb, is ${heapMb} MB)` : ''}`
          : exit.error
            ? `step thread crashed: ${exit.error.name}: ${exit.error.message}`
            : `step thread exited with code ${exit.code} (process.exit() in a step ends its thread)`;
    const data = {
      threadId: this.threadId,
      exitCode: exit.code,
      ...(outOfMemory ? { outOfMemory: true } : {}),
      ...(this.#terminatedAfterMs !== undefined ? { terminated: true } : {}),
      stderrTail: this.#stderr.tail.join('\n'),
    };
    return {
      ok: false,
      retryable: true,
      error: {
        name: 'StepThreadCrashError',
        message,
        data,
        ...(exit.error && !outOfMemory ? { cause: toErrorInfo(exit.error) } : {}),
      },
    };
  }
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return String(value);
  }
}
