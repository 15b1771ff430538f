import { type ChildProcess, fork } from 'node:child_process';
import type { Writable } from 'node:stream';
import type { ErrorInfo } from '../../events/error-info.js';
import type { EmitEvent } from '../event-writer.js';
import { LineForwarder } from './line-forwarder.js';
import { type ChildMessage, isChildMessage, type RunStepMessage, type StepProcessBoot } from './messages.js';

/** How many lines of a crashed step process's stderr its error carries. */
const STDERR_TAIL_LINES = 20;

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

interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
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
 * The run worker's side of one step process: starts it, tells when it is ready, runs one attempt
 * in it, relays its events and output, and turns an exit without a result into an error that says
 * how the process ended.
 */
export class StepProcessHandle {
  readonly #child: ChildProcess;
  readonly #boot: StepProcessBoot;
  readonly #stderr: LineForwarder;
  readonly #readiness: Promise<Readiness>;
  readonly #resolveReadiness: (readiness: Readiness) => void;
  #state: 'starting' | 'ready' | 'running' | 'exited' = 'starting';
  #used = false;
  #becameReady = false;
  #loadFailed = false;
  #cancelledBeforeRun = false;
  #onMessage: ((message: ChildMessage) => void) | undefined;
  /** Resolves once the process has exited and its pipes and IPC channel are closed. */
  readonly exited: Promise<ExitInfo>;

  constructor(options: StepProcessSpawnOptions) {
    let resolveReadiness!: (readiness: Readiness) => void;
    this.#readiness = new Promise((resolve) => {
      resolveReadiness = resolve;
    });
    this.#resolveReadiness = resolveReadiness;
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
    this.#stderr = new LineForwarder(
      this.#child.stderr as NonNullable<ChildProcess['stderr']>,
      options.stderr,
      STDERR_TAIL_LINES,
    );
    this.#child.on('message', (message: unknown) => this.#receive(message));
    // 'error' is a failed spawn or a failed kill; either way 'close' follows or the process is gone.
    this.#child.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      // 'close' comes after the IPC channel has delivered every message the child sent.
      this.#child.on('close', (code, signal) => {
        live.delete(this.#child);
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
    return this.#state === 'ready';
  }

  /** The process reported that it could not load the code location or the job. */
  get loadFailed(): boolean {
    return this.#loadFailed;
  }

  /** Loaded, then gone before any work was given to it (killed from outside, say). */
  get diedIdle(): boolean {
    return this.#state === 'exited' && !this.#used && this.#becameReady;
  }

  /**
   * Runs one attempt in this process, relaying its events to `onEvent` in order. Never rejects:
   * a failure of the op, of the process or of loading the job is returned as the outcome.
   */
  async run(message: RunStepMessage, onEvent: (event: EmitEvent) => void): Promise<StepProcessOutcome> {
    if (this.#used) throw new Error('a step process runs exactly one attempt');
    this.#used = true;
    const readiness = await this.#readiness;
    if (this.#cancelledBeforeRun) {
      this.#child.kill('SIGKILL');
      return cancelledBeforeStart();
    }
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
    if (readiness.kind === 'exited') return { ok: false, retryable: true, error: this.#crashError(readiness) };

    let resolveResult!: (outcome: StepProcessOutcome) => void;
    const result = new Promise<StepProcessOutcome>((resolve) => {
      resolveResult = resolve;
    });
    this.#onMessage = (reply) => {
      if (reply.type === 'event') onEvent(reply.event);
      else if (reply.type === 'result')
        resolveResult(reply.ok ? { ok: true } : { ok: false, error: reply.error, retryable: reply.retryable });
    };
    try {
      this.#child.send(message);
    } catch (error) {
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
    const exited = this.exited.then((info) => ({ ok: false as const, retryable: true, error: this.#crashError(info) }));
    return Promise.race([result, exited]);
  }

  /** Asks a running step to stop (cancel, then SIGTERM); a process with no step yet is killed. */
  cancel(): void {
    if (this.#state === 'exited') return;
    if (this.#state !== 'running') {
      this.#cancelledBeforeRun = true;
      this.#child.kill('SIGKILL');
      return;
    }
    if (this.#child.connected) this.#child.send({ type: 'cancel' }, () => undefined);
    this.#child.kill('SIGTERM');
  }

  kill(): void {
    if (this.#state !== 'exited') this.#child.kill('SIGKILL');
  }

  #receive(message: unknown): void {
    if (!isChildMessage(message)) {
      this.#child.kill('SIGKILL');
      return;
    }
    if (message.type === 'ready') {
      this.#becameReady = true;
      if (this.#state === 'starting') this.#state = 'ready';
      this.#resolveReadiness({ kind: 'ready' });
    } else if (message.type === 'load_error') {
      this.#loadFailed = true;
      this.#resolveReadiness({ kind: 'load_error', error: message.error });
    } else {
      this.#onMessage?.(message);
    }
  }

  #crashError(info: ExitInfo): ErrorInfo {
    const tail = this.#stderr.tail;
    const outOfMemory = tail.some((line) => /JavaScript heap out of memory|Reached heap limit/.test(line));
    const message = outOfMemory
      ? 'step process ran out of memory'
      : info.signal
        ? `step process was killed by ${info.signal}`
        : `step process exited with code ${info.code}`;
    return {
      name: 'StepProcessCrashError',
      message,
      data: {
        pid: this.pid,
        exitCode: info.code,
        signal: info.signal,
        ...(outOfMemory ? { outOfMemory: true } : {}),
        stderrTail: tail.join('\n'),
      },
    };
  }
}

export function cancelledBeforeStart(): StepProcessOutcome {
  return {
    ok: false,
    retryable: false,
    error: { name: 'StepProcessError', message: 'the run was cancelled before the step started' },
  };
}
