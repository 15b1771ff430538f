import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stderrNote } from '../../util/stderr-note.js';
import { isOurGroupAlive, processStartTicks, signalGroup } from './process-identity.js';
import type { FromWarmWorker, ToWarmWorker, WarmRunMessage } from './warm-messages.js';

/** `warmPool` in the process launcher's config (validated by warm-pool-schema.ts). */
export interface WarmPoolConfig {
  /** Idle workers kept ready. Default 2. */
  readonly size?: number;
  /** Runs one worker process runs before it exits. Default 1: every run still gets a process of its own. */
  readonly maxRunsPerProcess?: number;
  /** An idle worker unused this long exits, and is not replaced until the next launch. Default 300. */
  readonly idleTimeoutSeconds?: number;
  /**
   * An idle worker imports the code location of the pool's last run before its own run comes
   * (TypeScript locations only: their compiled module is keyed by content). Default true.
   */
  readonly preloadCodeLocation?: boolean;
}

/** How the pool starts a worker: taken from the first launch, which knows the instance. */
export interface WarmSpawnSpec {
  /** Node and its options (`execArgv`), without a script. */
  readonly node: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Where pointer files and the pool's own output go. */
  readonly dir: string;
}

/** A run handed to a warm worker: what the launcher records about that worker. */
export interface WarmHandoff {
  readonly pid: number;
  readonly startTicks: string | undefined;
  /** The process goes back to the pool after this run, and may run later runs. */
  readonly shared: boolean;
}

export interface WarmPoolState {
  readonly starting: number;
  readonly idle: number;
  readonly busy: number;
  /** The process groups (supervising shells) of the idle workers, oldest first. */
  readonly idlePids: readonly number[];
}

interface WarmWorker {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly startTicks: string | undefined;
  readonly pointer: string;
  state: 'starting' | 'idle' | 'busy' | 'gone';
  runs: number;
  /** It runs a run and comes back to the pool after it (maxRunsPerProcess not reached). */
  returns: boolean;
  /** Let go on purpose (idle timeout, run limit, dispose): not replaced. */
  retired: boolean;
  /** The code location it was told to import while idle. */
  preloaded?: string;
  idleTimer?: NodeJS.Timeout;
  /** Starts this worker's replacement if its run's process has not exited by then. */
  refillTimer?: NodeJS.Timeout;
  onMessage?: (message: FromWarmWorker) => void;
}

const WORKER_FILE = fileURLToPath(new URL('./warm-worker.js', import.meta.url));
// As the fresh worker's supervisor, but the exit file is not known when the shell starts: the
// worker names it in the pointer file when it takes a run, and empties it when it goes back to
// the pool. A worker that dies while idle writes no run's status.
const WARM_SUPERVISOR =
  '"$0" "$@"; code=$?; f=; read -r f < "$RUNYARD_EXIT_POINTER"; [ -n "$f" ] && printf %s "$code" > "$f"; exit "$code"';
const ACCEPT_TIMEOUT_MS = 5_000;
// About what a fresh worker takes to reach RUN_START: waiting longer for a warm one that is
// finishing a run would be slower than starting a fresh one.
const HANDOFF_WAIT_MS = 1_000;
const STOP_WAIT_MS = 3_000;
// Workers that die before they are ready this many times in a row are not started again: the
// launcher starts fresh workers instead, and says why once.
const MAX_FAILED_STARTS = 3;
// A CLI that launches one run and exits (`runyard job launch`) disposes the launcher within this
// time, and so never starts a pool it would kill at once.
const FILL_DELAY_MS = 250;
// The replacement for a worker that took a run starts when that run's process exits, or after
// this long: a Node process starting (its spawn blocks the launcher's event loop for tens of ms,
// its start takes a core for hundreds) would otherwise slow the very run it replaces. Profiled on
// two busy cores, that was most of a warm one-op run's time after the code location.
const REFILL_DELAY_MS = 1_000;

/**
 * Idle run workers of the process launcher, started before they are needed (docs/run-launchers.md,
 * "Warm run workers"). The pool holds at most `size` workers that are starting or idle; a worker
 * that runs a run is that run's until it ends. A worker that dies while idle is replaced; one whose
 * launcher goes away exits. Owned by one ProcessRunLauncher, disposed with it.
 */
export class WarmPool {
  readonly #size: number;
  readonly #maxRuns: number;
  readonly #idleMs: number;
  readonly #preload: boolean;
  /** The code location of the last run handed out: the next ones most likely come from it too. */
  #location: string | undefined;
  readonly #workers = new Set<WarmWorker>();
  #spec: WarmSpawnSpec | undefined;
  #fillTimer: NodeJS.Timeout | undefined;
  #failedStarts = 0;
  /** Launches waiting in #idleWorker for a worker to come back. */
  #waiting = 0;
  #closed = false;
  #readyWaiters: (() => void)[] = [];

  constructor(config: WarmPoolConfig) {
    this.#size = config.size ?? 2;
    this.#maxRuns = config.maxRunsPerProcess ?? 1;
    this.#idleMs = (config.idleTimeoutSeconds ?? 300) * 1000;
    this.#preload = config.preloadCodeLocation ?? true;
  }

  get state(): WarmPoolState {
    const count = (s: WarmWorker['state']) => [...this.#workers].filter((w) => w.state === s).length;
    const idlePids = [...this.#workers].filter((w) => w.state === 'idle').map((w) => w.pid);
    return { starting: count('starting'), idle: idlePids.length, busy: count('busy'), idlePids };
  }

  /** Keeps the pool filled from now on, with workers started as `spec` says. */
  ensure(spec: WarmSpawnSpec, options: { now?: boolean } = {}): void {
    if (this.#closed) return;
    this.#spec ??= spec;
    if (options.now) {
      this.#fill();
      return;
    }
    this.#fillTimer ??= setTimeout(() => {
      this.#fillTimer = undefined;
      this.#fill();
    }, FILL_DELAY_MS).unref();
  }

  /** Resolves once `size` workers are idle (or the pool cannot start any). */
  async whenFull(): Promise<void> {
    // The workers and their channels are unref'd: this timer keeps a caller that only waits alive.
    const keepAlive = setInterval(() => undefined, 1_000);
    try {
      while (!this.#closed && this.state.idle < this.#size && this.#failedStarts < MAX_FAILED_STARTS)
        await new Promise<void>((resolve) => this.#readyWaiters.push(resolve));
    } finally {
      clearInterval(keepAlive);
    }
  }

  /**
   * Hands a run to an idle worker; undefined when none is idle or none took it, and the launcher
   * then starts a fresh worker. A run is never left with a worker that did not say it took it.
   */
  async take(run: Omit<WarmRunMessage, 'type' | 'reuse'>, codeLocation?: string): Promise<WarmHandoff | undefined> {
    if (this.#preload && codeLocation && codeLocation !== this.#location) {
      this.#location = codeLocation;
      // Idle workers that loaded another location load this one too, ready for the next launch.
      setImmediate(() => {
        for (const worker of this.#workers) if (worker.state === 'idle') this.#offerPreload(worker);
      });
    }
    for (;;) {
      const worker = await this.#idleWorker();
      if (!worker) return undefined;
      clearTimeout(worker.idleTimer);
      worker.state = 'busy';
      worker.runs += 1;
      const shared = worker.runs < this.#maxRuns;
      worker.returns = shared;
      const accepted = await this.#handOver(worker, { type: 'run', ...run, reuse: shared });
      if (accepted && !shared) this.#refillAfter(worker);
      else setImmediate(() => this.#fill());
      if (accepted) return { pid: worker.pid, startTicks: worker.startTicks, shared };
      // It died or hung at the worst moment: make sure it is gone, and try the next one.
      worker.retired = true;
      signalGroup(worker.pid, 'SIGKILL');
    }
  }

  /**
   * An idle worker, or one that comes back from its run soon (maxRunsPerProcess > 1), waited for
   * as long as a fresh worker would take to start and no longer, by no more launches than there
   * are workers coming back. A worker still starting is not waited for: on a busy machine it may
   * take longer than a fresh one, and a burst of launches would queue behind it.
   */
  async #idleWorker(): Promise<WarmWorker | undefined> {
    const deadline = Date.now() + HANDOFF_WAIT_MS;
    this.#waiting += 1;
    try {
      for (;;) {
        const idle = [...this.#workers].find((w) => w.state === 'idle');
        if (idle) return idle;
        const coming = [...this.#workers].filter((w) => w.returns).length;
        const left = deadline - Date.now();
        if (coming < this.#waiting || left <= 0 || this.#closed) return undefined;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          this.#readyWaiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    } finally {
      this.#waiting -= 1;
    }
  }

  /** Stops every idle and starting worker and waits until they are gone; busy ones finish their run. */
  async dispose(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#fillTimer);
    const stopping: WarmWorker[] = [];
    for (const worker of this.#workers) {
      worker.retired = true;
      clearTimeout(worker.idleTimer);
      if (worker.state === 'busy') {
        // The run goes on; the worker exits after it, instead of going back to a pool that is gone.
        if (worker.child.connected) worker.child.disconnect();
        continue;
      }
      signalGroup(worker.pid, 'SIGTERM');
      stopping.push(worker);
    }
    const deadline = Date.now() + STOP_WAIT_MS;
    for (const worker of stopping) {
      // The group, not the shell: its Node process may outlive the shell by a moment.
      while (isOurGroupAlive(worker.pid, worker.startTicks) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      if (isOurGroupAlive(worker.pid, worker.startTicks)) signalGroup(worker.pid, 'SIGKILL');
    }
    this.#wakeWaiters();
  }

  #fill(): void {
    const spec = this.#spec;
    if (this.#closed || !spec || this.#failedStarts >= MAX_FAILED_STARTS) return;
    // A worker that will come back after its run keeps its place: the pool stays within `size`.
    let n = [...this.#workers].filter((w) => w.state === 'starting' || w.state === 'idle' || w.returns).length;
    for (; n < this.#size; n++) this.#start(spec);
  }

  #start(spec: WarmSpawnSpec): void {
    mkdirSync(spec.dir, { recursive: true });
    const pointer = path.join(spec.dir, `${randomUUID().slice(0, 8)}.exit-to`);
    // Output from before a run is claimed (or that bypasses the redirected streams) lands here.
    const log = openSync(path.join(spec.dir, 'warm-workers.log'), 'a');
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', WARM_SUPERVISOR, ...spec.node, WORKER_FILE], {
        detached: true, // a process group of its own, led by the shell, as a fresh worker has
        stdio: ['ignore', log, log, 'ipc'],
        env: {
          ...spec.env,
          RUNYARD_EXIT_POINTER: pointer,
          // Known by now (not for the pool's first workers): imported before the worker says it is ready.
          ...(this.#preload && this.#location ? { RUNYARD_WARM_PRELOAD: this.#location } : {}),
        },
      });
    } finally {
      closeSync(log);
    }
    const pid = child.pid;
    if (pid === undefined) {
      this.#failedStarts += 1;
      return;
    }
    // Neither the process nor its channel keeps the launcher's process alive.
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    const worker: WarmWorker = {
      child,
      pid,
      startTicks: processStartTicks(pid),
      pointer,
      state: 'starting',
      runs: 0,
      returns: false,
      retired: false,
      ...(this.#preload && this.#location ? { preloaded: this.#location } : {}),
    };
    this.#workers.add(worker);
    child.on('error', () => undefined); // a failed spawn ends in 'exit' too
    child.on('message', (message: FromWarmWorker) => this.#onMessage(worker, message));
    child.on('exit', (code, signal) => this.#onExit(worker, code, signal));
  }

  #onMessage(worker: WarmWorker, message: FromWarmWorker): void {
    worker.onMessage?.(message);
    if (message.type === 'ready') {
      this.#failedStarts = 0;
      this.#becomeIdle(worker);
    } else if (message.type === 'idle') {
      worker.returns = false;
      if (this.#closed || worker.runs >= this.#maxRuns || this.state.idle + this.state.starting >= this.#size) {
        worker.retired = true;
        worker.child.send({ type: 'exit' }, () => undefined);
        return;
      }
      this.#becomeIdle(worker);
    }
  }

  #becomeIdle(worker: WarmWorker): void {
    worker.state = 'idle';
    this.#offerPreload(worker);
    // Memory goes back to the machine when nobody launches for a while.
    worker.idleTimer = setTimeout(() => {
      if (worker.state !== 'idle') return;
      worker.retired = true;
      worker.state = 'busy'; // no longer offered
      signalGroup(worker.pid, 'SIGTERM');
    }, this.#idleMs).unref();
    this.#wakeWaiters();
  }

  #onExit(worker: WarmWorker, code: number | null, signal: NodeJS.Signals | null): void {
    const was = worker.state;
    if (worker.refillTimer) {
      clearTimeout(worker.refillTimer);
      setImmediate(() => this.#fill());
    }
    const returning = worker.returns;
    worker.state = 'gone';
    worker.returns = false;
    clearTimeout(worker.idleTimer);
    this.#workers.delete(worker);
    rmSync(worker.pointer, { force: true });
    worker.onMessage?.({ type: 'idle', runId: '', exitCode: code ?? -1 });
    if (was === 'starting') {
      this.#failedStarts += 1;
      if (this.#failedStarts === MAX_FAILED_STARTS)
        stderrNote(
          `runyard: warm run workers keep exiting before they are ready (last: ${signal ?? `code ${code}`}; see ${this.#spec ? path.join(this.#spec.dir, 'warm-workers.log') : 'the pool log'}); runs get fresh workers`,
        );
    }
    // A worker lost while idle (or starting) is replaced: the pool stays as large as it was asked to be.
    if (!worker.retired && (was === 'idle' || was === 'starting' || returning)) this.#fill();
    this.#wakeWaiters();
  }

  #handOver(worker: WarmWorker, message: WarmRunMessage): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        worker.onMessage = undefined;
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), ACCEPT_TIMEOUT_MS);
      worker.onMessage = (reply) => {
        if (reply.type === 'accepted' && reply.runId === message.runId) done(true);
        else if (reply.type === 'idle' && reply.runId === '') done(false); // it exited
      };
      try {
        worker.child.send(message, (error) => {
          if (error) done(false);
        });
      } catch {
        done(false);
      }
    });
  }

  #refillAfter(worker: WarmWorker): void {
    worker.refillTimer = setTimeout(() => {
      worker.refillTimer = undefined;
      this.#fill();
    }, REFILL_DELAY_MS).unref();
  }

  #offerPreload(worker: WarmWorker): void {
    const codeLocation = this.#location;
    if (!codeLocation || worker.preloaded === codeLocation || !worker.child.connected) return;
    worker.preloaded = codeLocation;
    worker.child.send({ type: 'preload', codeLocation } satisfies ToWarmWorker, () => undefined);
  }

  #wakeWaiters(): void {
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const wake of waiters) wake();
  }
}
