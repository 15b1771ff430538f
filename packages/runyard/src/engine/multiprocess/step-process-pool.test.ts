// The pool's spare policy, with fake processes: which process a step gets, how many spares are
// kept, what cancel and close do. The real processes are tested in multiprocess-executor.test.ts.
import { describe, expect, it } from 'vitest';
import type { RunStepMessage } from './messages.js';
import type { ExitInfo, PooledStepProcess, StepProcessOutcome } from './step-process-handle.js';
import { StepProcessPool } from './step-process-pool.js';

class FakeProcess implements PooledStepProcess {
  static count = 0;
  readonly id = ++FakeProcess.count;
  /** Finished loading (and not running a step). */
  loaded = false;
  #ready = false;
  diedIdle = false;
  loadFailed = false;
  ran = false;
  runs = 0;
  killed = false;
  cancelled = false;
  exitedAlready = false;
  readonly exited: Promise<ExitInfo>;
  readonly settled: Promise<unknown>;
  #exit!: (info: ExitInfo) => void;
  #settle!: () => void;
  #finish!: (outcome: StepProcessOutcome) => void;

  /** @param maxSteps how many attempts it runs before it exits (maxStepsPerProcess) */
  constructor(readonly maxSteps = 1) {
    this.exited = new Promise((resolve) => {
      this.#exit = (info) => {
        this.exitedAlready = true;
        this.#settle();
        resolve(info);
      };
    });
    this.settled = new Promise<void>((resolve) => {
      this.#settle = resolve;
    });
  }

  get isReady(): boolean {
    return this.#ready;
  }

  set isReady(ready: boolean) {
    this.#ready = ready;
    if (ready) this.ready();
  }

  get isStarting(): boolean {
    return !this.loaded && !this.exitedAlready;
  }

  get stepsLeft(): number {
    return this.exitedAlready ? 0 : this.maxSteps - this.runs;
  }

  /** Finishes loading. */
  ready(): void {
    this.loaded = true;
    if (!this.#running) this.#ready = true;
    this.#settle();
  }

  #running = false;

  run(): Promise<StepProcessOutcome> {
    this.ran = true;
    this.runs++;
    this.#ready = false;
    this.#running = true;
    return new Promise((resolve) => {
      this.#finish = (outcome) => {
        this.#running = false;
        if (this.runs < this.maxSteps) this.#ready = true;
        else this.#exit({ code: 0, signal: null });
        resolve(outcome);
      };
    });
  }

  finish(outcome: StepProcessOutcome = { ok: true }): void {
    this.#finish(outcome);
  }

  /** Dies while running its step, as a crash does. */
  crash(): void {
    this.#exit({ code: 1, signal: null });
    this.#finish({ ok: false, retryable: true, error: { name: 'StepProcessCrashError', message: 'crashed' } });
  }

  cancel(): void {
    this.cancelled = true;
  }

  kill(): void {
    this.killed = true;
    this.#exit({ code: null, signal: 'SIGKILL' });
  }
}

const message: RunStepMessage = {
  type: 'run_step',
  runId: 'r',
  jobName: 'j',
  stepKey: 's',
  attempt: 1,
  config: undefined,
  tags: {},
  inputs: {},
  ioManager: { class: 'FileSystemIOManager', config: {} },
};

const sink = { emit: () => undefined };

function setup(options: {
  demand: number;
  maxSpares?: number;
  terminateGraceMs?: number;
  maxSteps?: number;
  maxStarting?: number;
}) {
  const spawned: FakeProcess[] = [];
  let demand = options.demand;
  const pool = new StepProcessPool({
    maxSpares: options.maxSpares ?? 2,
    terminateGraceMs: options.terminateGraceMs ?? 10,
    ...(options.maxStarting ? { maxStarting: options.maxStarting } : {}),
    ...(options.maxSteps ? { stepsPerProcess: options.maxSteps } : {}),
    demand: () => demand,
    spawn: () => {
      const process = new FakeProcess(options.maxSteps);
      spawned.push(process);
      return process;
    },
  });
  return {
    pool,
    spawned,
    setDemand: (n: number) => {
      demand = n;
    },
  };
}

const alive = (spawned: FakeProcess[]) => spawned.filter((p) => !p.killed).map((p) => p.id);

describe('StepProcessPool', () => {
  it('keeps min(maxSpares, demand) spares, and starts the next one when a step takes one', async () => {
    const { pool, spawned, setDemand } = setup({ demand: 5 });
    pool.refill();
    expect(spawned).toHaveLength(2);
    spawned[1]!.isReady = true;
    setDemand(4);
    const attempt = pool.runAttempt(message, sink);
    // The ready spare is taken before the older one that is still loading.
    expect(spawned.map((p) => p.ran)).toEqual([false, true, false]);
    expect(alive(spawned)).toHaveLength(3);
    spawned[1]!.finish();
    expect(await attempt).toEqual({ ok: true });
    await Promise.resolve();
    expect(pool.size).toBe(2);
  });

  it('takes the oldest spare when none is ready, and starts a process when there is no spare', async () => {
    const { pool, spawned, setDemand } = setup({ demand: 1, maxSpares: 1 });
    pool.refill();
    setDemand(0);
    const first = pool.runAttempt(message, sink);
    expect(spawned).toHaveLength(1);
    expect(spawned[0]!.ran).toBe(true);
    const second = pool.runAttempt(message, sink);
    expect(spawned).toHaveLength(2);
    expect(spawned[1]!.ran).toBe(true);
    spawned[0]!.finish();
    spawned[1]!.finish();
    await Promise.all([first, second]);
  });

  it('kills the youngest spares when fewer steps are left than spares', () => {
    const { pool, spawned, setDemand } = setup({ demand: 10, maxSpares: 3 });
    pool.refill();
    setDemand(1);
    pool.refill();
    expect(alive(spawned)).toEqual([spawned[0]!.id]);
    setDemand(0);
    pool.refill();
    expect(alive(spawned)).toEqual([]);
  });

  it('replaces a spare that died while idle', () => {
    const { pool, spawned } = setup({ demand: 3, maxSpares: 1 });
    pool.refill();
    spawned[0]!.diedIdle = true;
    pool.refill();
    expect(spawned).toHaveLength(2);
  });

  it('after a load failure, fails later attempts the same way without starting processes', async () => {
    const { pool, spawned } = setup({ demand: 5 });
    const attempt = pool.runAttempt(message, sink);
    const failure: StepProcessOutcome = {
      ok: false,
      retryable: false,
      error: { name: 'StepProcessLoadError', message: 'no' },
    };
    spawned[0]!.loadFailed = true;
    spawned[0]!.finish(failure);
    expect(await attempt).toBe(failure);
    expect(spawned.slice(1).every((p) => p.killed)).toBe(true);
    const count = spawned.length;
    expect(await pool.runAttempt(message, sink)).toBe(failure);
    expect(spawned).toHaveLength(count);
  });

  it('on cancel kills spares, cancels running steps, kills them after the grace, starts nothing more', async () => {
    const { pool, spawned } = setup({ demand: 5, terminateGraceMs: 20 });
    const attempt = pool.runAttempt(message, sink);
    const running = spawned.find((p) => p.ran) as FakeProcess;
    pool.cancel();
    expect(running.cancelled).toBe(true);
    expect(running.killed).toBe(false);
    expect(spawned.filter((p) => p !== running).every((p) => p.killed)).toBe(true);
    await pool.close();
    expect(running.killed).toBe(true);
    expect(await pool.runAttempt(message, sink)).toMatchObject({
      ok: false,
      error: { message: 'the run was cancelled before the step started' },
    });
    running.finish();
    await attempt;
  });

  it('close resolves once every process has exited', async () => {
    const { pool, spawned } = setup({ demand: 2, terminateGraceMs: 60_000 });
    const attempt = pool.runAttempt(message, sink);
    let closed = false;
    const closing = pool.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    spawned.find((p) => p.ran)?.finish();
    await closing;
    await attempt;
    expect(pool.size).toBe(0);
  });

  it('gives a reused process back first for the next step, and starts no spare for steps it can take', async () => {
    const { pool, spawned, setDemand } = setup({ demand: 4, maxSpares: 2, maxSteps: 3 });
    pool.refill();
    // Four steps to go, three per process: two processes.
    expect(spawned).toHaveLength(2);
    spawned[0]!.ready();
    setDemand(2);
    const first = pool.runAttempt(message, sink);
    // The running process can take the 2 steps left: the other spare is not needed.
    expect(alive(spawned)).toEqual([spawned[0]!.id]);
    spawned[0]!.finish();
    await first;
    setDemand(1);
    const second = pool.runAttempt(message, sink);
    expect(spawned[0]!.runs).toBe(2);
    spawned[0]!.finish();
    await second;
    setDemand(0);
    const third = pool.runAttempt(message, sink);
    expect(spawned[0]!.runs).toBe(3);
    spawned[0]!.finish();
    await third;
    // Its last step run, it exits by itself; nothing else was started.
    expect(spawned[0]!.exitedAlready).toBe(true);
    expect(spawned).toHaveLength(2);
    expect(pool.size).toBe(0);
  });

  it('after a crash in a reused process, the next step gets another process', async () => {
    const { pool, spawned, setDemand } = setup({ demand: 1, maxSpares: 1, maxSteps: 5 });
    pool.refill();
    spawned[0]!.ready();
    const first = pool.runAttempt(message, sink);
    spawned[0]!.finish();
    await first;
    const second = pool.runAttempt(message, sink);
    expect(spawned[0]!.runs).toBe(2);
    setDemand(0);
    spawned[0]!.crash();
    expect(await second).toMatchObject({ ok: false, error: { name: 'StepProcessCrashError' } });
    const third = pool.runAttempt(message, sink);
    const fresh = spawned.find((p) => p.ran && p !== spawned[0]);
    expect(fresh?.runs).toBe(1);
    expect(spawned[0]!.runs).toBe(2);
    fresh?.finish();
    await third;
  });

  it('on cancel kills a reused process that waits between steps', async () => {
    const { pool, spawned } = setup({ demand: 3, maxSpares: 1, maxSteps: 5 });
    pool.refill();
    spawned[0]!.ready();
    const first = pool.runAttempt(message, sink);
    spawned[0]!.finish();
    await first;
    expect(spawned[0]!.isReady).toBe(true);
    pool.cancel();
    expect(spawned[0]!.killed).toBe(true);
    await pool.close();
    expect(pool.size).toBe(0);
  });

  it('never has more processes loading than maxStarting; steps wait for a start-up slot', async () => {
    const { pool, spawned } = setup({ demand: 8, maxSpares: 8, maxStarting: 2 });
    let peak = 0;
    const sample = () => {
      peak = Math.max(peak, pool.starting);
    };
    pool.refill();
    sample();
    expect(spawned).toHaveLength(2);
    // Eight steps at once: two take the loading spares, the other six wait for a slot.
    const attempts = Array.from({ length: 8 }, () => pool.runAttempt(message, sink));
    sample();
    expect(spawned).toHaveLength(2);
    // Each process that finishes loading frees one slot, and one more process starts.
    for (let i = 0; ; i++) {
      const loading = spawned.find((p) => p.isStarting);
      if (!loading) break;
      loading.ready();
      for (let tick = 0; tick < 5; tick++) await Promise.resolve();
      sample();
      expect(i).toBeLessThan(20);
    }
    expect(peak).toBe(2);
    expect(spawned.filter((p) => p.ran)).toHaveLength(8);
    for (const p of spawned) if (p.ran) p.finish();
    await Promise.all(attempts);
  });
});
