import { type ChildProcess, fork } from 'node:child_process';
import type { Writable } from 'node:stream';
import { type ErrorInfo, toErrorInfo } from '../../events/error-info.js';
import type { EmitFn } from '../event-writer.js';
import { LineForwarder } from './line-forwarder.js';
import {
  type ChildMessage,
  isChildMessage,
  type ParentMessage,
  type RunStepMessage,
  type StepProcessBoot,
} from './messages.js';

/** How many lines of a crashed step process's stderr its error carries. */
const STDERR_TAIL_LINES = 20;
/** What V8 prints before it aborts a process whose heap is full (Node 20 and later). */
const OUT_OF_MEMORY = /JavaScript heap out of memory|Reached heap limit/;

export interface StepProcessSpawnOptions {
  /** The compiled step-process.js. */
  readonly entry: string;
  readonly boot: StepProcessBoot;
  readonly execArgv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/** How one attempt in a step process ended, as the retry loop takes it. */
export type StepProcessOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: ErrorInfo; readonly retryable: boolean };

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Where a step process's events go: the run's event writer. */
export interface StepEventSink {
  readonly emit: EmitFn;
  /** Resolves once what was emitted is stored (ExecutorContext.flush). */
  readonly flush?: () => Promise<void>;
}

/** What the pool needs of a step process; StepProcessHandle is the real one. */
export interface PooledStepProcess {
  /** Loaded the job and waits for a step (before its first step, or between two). */
  readonly isReady: boolean;
  /** Started and still loading: what the pool's cap on simultaneous start-ups counts. */
  readonly isStarting: boolean;
  /** Became ready, then exited while it waited for a step (killed from outside, say). */
  readonly diedIdle: boolean;
  /** It reported that it could not load the code location or the job. */
  readonly loadFailed: boolean;
  /** How many more steps it may run after the ones it has taken (0 for a process that exits after its step). */
  readonly stepsLeft: number;
  /** Resolves once it is no longer starting: ready, failed to load, or exited. */
  readonly settled: Promise<unknown>;
  readonly exited: Promise<ExitInfo>;
  /** Runs one attempt; called again only once the previous one returned, and while stepsLeft > 0. */
  run(message: RunStepMessage, sink: StepEventSink): Promise<StepProcessOutcome>;
  cancel(): void;
  kill(): void;
}

type Readiness = { readonly kind: 'ready' } | { readonly kind: 'load_error'; readonly error: ErrorInfo } | ExitedEarly;
type ExitedEarly = { readonly kind: 'exited' } & ExitInfo;

/** Every step process alive in this process, killed if the run worker exits without cleaning up. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  live.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

/**
 * The run worker's side of one step process: starts it, tells when it is ready, runs attempts in
 * it (one, or up to `boot.maxSteps` one after another), relays their events, and turns an exit
 * without a result into an error that says how the process ended.
 */
export class StepProcessHandle implements PooledStepProcess {
  readonly #child: ChildProcess;
  readonly #boot: StepProcessBoot;
  readonly #stderr: LineForwarder;
  readonly #readiness: Promise<Readiness>;
  #resolveReadiness!: (readiness: Readiness) => void;
  #state: 'starting' | 'ready' | 'running' | 'exited' = 'starting';
  /** Attempts given to this process, the one running included. */
  #taken = 0;
  #inRun = false;
  #diedIdle = false;
  #loadFailed = false;
  #cancelledBeforeRun = false;
  #protocolError: string | undefined;
  #onMessage: ((message: ChildMessage) => void) | undefined;
  /** Resolves once the process has exited and its pipes and IPC channel are closed. */
  readonly exited: Promise<ExitInfo>;

  constructor(options: StepProcessSpawnOptions) {
    this.#readiness = new Promise((resolve) => {
      this.#resolveReadiness = resolve;
    });
    this.#boot = options.boot;
    this.#child = fork(options.entry, [JSON.stringify(options.boot)], {
      cwd: options.boot.cwd,
      env: options.env,
      execArgv: [...options.execArgv],
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    track(this.#child);
    new LineForwarder(this.#child.stdout as NonNullable<ChildProcess['stdout']>, options.stdout);
    this.#stderr = new LineForwarder(this.#child.stderr as NonNullable<ChildProcess['stderr']>, options.stderr, {
      keepLines: STDERR_TAIL_LINES,
      watchFor: OUT_OF_MEMORY,
    });
    this.#child.on('message', (message: unknown) => this.#receive(message));
    // 'error' is a failed spawn, send or kill; in each case 'close' follows or the process is gone.
    this.#child.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      // 'close' comes after the IPC channel has delivered every message the child sent.
      this.#child.on('close', (code, signal) => {
        live.delete(this.#child);
        this.#diedIdle = this.#state === 'ready' && !this.#inRun;
        this.#state = 'exited';
        const info = { code, signal };
        this.#resolveReadiness({ kind: 'exited', ...info });
        resolve(info);
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get isReady(): boolean {
    return this.#state === 'ready' && !this.#inRun;
  }

  get isStarting(): boolean {
    return this.#state === 'starting' && !this.#loadFailed;
  }

  get settled(): Promise<unknown> {
    return this.#readiness;
  }

  get stepsLeft(): number {
    return this.#state === 'exited' || this.#loadFailed ? 0 : Math.max(0, (this.#boot.maxSteps ?? 1) - this.#taken);
  }

  get loadFailed(): boolean {
    return this.#loadFailed;
  }

  get diedIdle(): boolean {
    return this.#diedIdle;
  }

  /**
   * Runs one attempt in this process, relaying its events to the sink in order. Never rejects:
   * a failure of the op, of the process or of loading the job is returned as the outcome.
   */
  async run(message: RunStepMessage, sink: StepEventSink): Promise<StepProcessOutcome> {
    if (this.#inRun || this.#taken >= (this.#boot.maxSteps ?? 1))
      throw new Error(`a step process runs ${this.#boot.maxSteps ?? 1} attempt(s), one at a time`);
    this.#taken++;
    this.#inRun = true;
    try {
      return await this.#run(message, sink);
    } finally {
      this.#inRun = false;
      // Nothing of the finished attempt is relayed any more.
      this.#onMessage = undefined;
      if (this.#state === 'running') this.#state = 'ready';
    }
  }

  async #run(message: RunStepMessage, sink: StepEventSink): Promise<StepProcessOutcome> {
    const readiness = await this.#readiness;
    if (this.#cancelledBeforeRun) return cancelledBeforeStart();
    if (readiness.kind === 'load_error')
      return {
        ok: false,
        retryable: false,
        error: {
          name: 'StepProcessLoadError',
          message: `step process could not load job '${message.jobName}' from code location '${this.#boot.codeLocation}'`,
          cause: readiness.error,
        },
      };
    // Ready once, but gone since: it can still only report how it ended.
    if (this.#state === 'exited') return this.#crashed(await this.exited);
    // A crash report tells of this attempt's process output, not of the steps it ran before.
    this.#stderr.clearTail();

    const result = new Promise<StepProcessOutcome>((resolve) => {
      this.#onMessage = (reply) => {
        if (reply.type === 'event') sink.emit(reply.event);
        else if (reply.type === 'flush')
          Promise.resolve(sink.flush?.()).then(
            () => this.#send({ type: 'flushed' }),
            (error: unknown) => this.#send({ type: 'flushed', error: toErrorInfo(error) }),
          );
        else if (reply.type === 'result')
          resolve(reply.ok ? { ok: true } : { ok: false, error: reply.error, retryable: reply.retryable });
      };
    });
    try {
      this.#child.send(message);
    } catch (error) {
      // Structured clone refused the message (a step config holding a function, say).
      this.#child.kill('SIGKILL');
      return {
        ok: false,
        retryable: false,
        error: {
          name: 'StepProcessError',
          message: `could not send step '${message.stepKey}' to its step process: ${(error as Error).message}`,
        },
      };
    }
    this.#state = 'running';
    return Promise.race([result, this.exited.then((info) => this.#crashed(info))]);
  }

  /** Asks a running step to stop (`cancel`, then SIGTERM); a process with no step running is killed. */
  cancel(): void {
    if (this.#state === 'exited') return;
    if (this.#state !== 'running') {
      this.#cancelledBeforeRun = true;
      this.#child.kill('SIGKILL');
      return;
    }
    this.#send({ type: 'cancel' });
    this.#child.kill('SIGTERM');
  }

  kill(): void {
    if (this.#state !== 'exited') this.#child.kill('SIGKILL');
  }

  /** Sends if the channel is still open; a child that is gone has no use for the message. */
  #send(message: ParentMessage): void {
    if (!this.#child.connected) return;
    try {
      this.#child.send(message, () => undefined);
    } catch {
      // Closed between the check and the send.
    }
  }

  #receive(message: unknown): void {
    if (!isChildMessage(message)) {
      this.#protocolError ??= `step process sent a message outside the protocol: ${describe(message)}`;
      this.#child.kill('SIGKILL');
      return;
    }
    if (message.type === 'ready') {
      if (this.#state === 'starting') this.#state = 'ready';
      this.#resolveReadiness({ kind: 'ready' });
    } else if (message.type === 'load_error') {
      this.#loadFailed = true;
      this.#resolveReadiness({ kind: 'load_error', error: message.error });
    } else {
      this.#onMessage?.(message);
    }
  }

  #crashed(info: ExitInfo): StepProcessOutcome {
    const tail = this.#stderr.tail;
    // The native stack V8 prints after the message can push it out of the tail: watch every line.
    const outOfMemory = this.#stderr.sawPattern;
    const message =
      this.#protocolError ??
      (outOfMemory
        ? 'step process ran out of memory'
        : info.signal
          ? `step process was killed by ${info.signal}`
          : `step process exited with code ${info.code}`);
    const data = {
      pid: this.pid,
      exitCode: info.code,
      signal: info.signal,
      ...(outOfMemory ? { outOfMemory: true } : {}),
      stderrTail: tail.join('\n'),
    };
    return { ok: false, retryable: true, error: { name: 'StepProcessCrashError', message, data } };
  }
}

export function cancelledBeforeStart(): StepProcessOutcome {
  return {
    ok: false,
    retryable: false,
    error: { name: 'StepProcessError', message: 'the run was cancelled before the step started' },
  };
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return String(value);
  }
}
