// The pool's spare policy, with fake processes: which process a step gets, how many spares are
// kept, what cancel and close do. The real processes are tested in multiprocess-executor.test.ts.
import { describe, expect, it } from 'vitest';
import type { RunStepMessage } from './messages.js';
import type { ExitInfo, PooledStepProcess, StepProcessOutcome } from './step-process-handle.js';
import { StepProcessPool } from './step-process-pool.js';

class FakeProcess implements PooledStepProcess {
  static count = 0;
  readonly id = ++FakeProcess.count;
  isReady = false;
  diedIdle = false;
  loadFailed = false;
  ran = false;
  killed = false;
  cancelled = false;
  readonly exited: Promise<ExitInfo>;
  #exit!: (info: ExitInfo) => void;
  #finish!: (outcome: StepProcessOutcome) => void;

  constructor() {
    this.exited = new Promise((resolve) => {
      this.#exit = resolve;
    });
  }

  run(): Promise<StepProcessOutcome> {
    this.ran = true;
    return new Promise((resolve) => {
      this.#finish = (outcome) => {
        resolve(outcome);
        this.#exit({ code: 0, signal: null });
      };
    });
  }

  finish(outcome: StepProcessOutcome = { ok: true }): void {
    this.#finish(outcome);
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

function setup(options: { demand: number; maxSpares?: number; terminateGraceMs?: number }) {
  const spawned: FakeProcess[] = [];
  let demand = options.demand;
  const pool = new StepProcessPool({
    maxSpares: options.maxSpares ?? 2,
    terminateGraceMs: options.terminateGraceMs ?? 10,
    demand: () => demand,
    spawn: () => {
      const process = new FakeProcess();
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
});
