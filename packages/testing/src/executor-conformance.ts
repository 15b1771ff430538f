import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CodeLocation,
  type ExecutionOutcome,
  type Executor,
  FileSystemIOManager,
  loadCodeLocation,
  type NewRunEvent,
  validateRunConfig,
} from 'runyard';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

/** The code location the suite runs: packages/testing/fixtures/executor-conformance-jobs.ts. */
export const EXECUTOR_CONFORMANCE_JOBS = fileURLToPath(
  new URL('../fixtures/executor-conformance-jobs.ts', import.meta.url),
);

type Emitted = Omit<NewRunEvent, 'runId'>;

interface Execution {
  readonly runId: string;
  readonly outcome: ExecutionOutcome;
  readonly events: readonly Emitted[];
}

interface ExecuteOptions {
  readonly runConfig?: Record<string, unknown>;
  readonly tags?: Record<string, string>;
  readonly completedSteps?: ReadonlyMap<string, string>;
  readonly selectedSteps?: ReadonlySet<string>;
  readonly signal?: AbortSignal;
}

/** Step events per step, in order: what an executor must emit, wherever it runs steps. */
function byStep(events: readonly Emitted[]): Record<string, string[]> {
  const steps: Record<string, string[]> = {};
  for (const e of events) {
    if (!e.stepKey || e.type === 'ENGINE_EVENT') continue;
    steps[e.stepKey] ??= [];
    steps[e.stepKey]?.push(e.type);
  }
  return steps;
}

const find = (events: readonly Emitted[], type: string, stepKey: string) =>
  events.find((e) => e.type === type && e.stepKey === stepKey);

const SUCCEEDED = ['STEP_START', 'STEP_OUTPUT', 'STEP_SUCCESS'];

/**
 * What every executor must get right, through the Executor contract itself (ExecutorContext in,
 * ExecutionOutcome and events out), whether it runs steps in process, in threads or in child
 * processes: success, failure, retry policy, skipped downstream steps, fan-out and fan-in,
 * map() growing the plan, cancel, resume with completed steps, step selection, stdout, stderr
 * and ctx.log captured, a step's start stored before its op runs, outputs through the IO manager.
 *
 *   executorConformance('threads', () => loadExecutor({ type: 'threads', maxConcurrent: 2 }));
 *
 * `createExecutor` is called once per case. Steps print to this process's stdout and stderr (the
 * run worker's, which the launcher captures as compute logs), wherever they run.
 */
export function executorConformance(name: string, createExecutor: () => Executor | Promise<Executor>): void {
  describe(`executor conformance: ${name}`, () => {
    let location: CodeLocation;
    let root: string;
    let dir: string;
    let io: FileSystemIOManager;

    beforeAll(async () => {
      location = await loadCodeLocation(EXECUTOR_CONFORMANCE_JOBS);
      root = mkdtempSync(path.join(tmpdir(), 'runyard-executor-conformance-'));
    });
    afterAll(() => {
      if (root) rmSync(root, { recursive: true, force: true });
    });
    beforeEach(() => {
      dir = mkdtempSync(path.join(root, 'case-'));
      io = new FileSystemIOManager(path.join(dir, 'outputs'));
    });

    async function execute(jobName: string, options: ExecuteOptions = {}): Promise<Execution> {
      const job = location.getJob(jobName);
      const { stepConfigs } = validateRunConfig(job, options.runConfig ?? {});
      const events: Emitted[] = [];
      const runId = randomUUID();
      const executor = await createExecutor();
      const outcome = await executor.execute({
        runId,
        job,
        codeLocation: EXECUTOR_CONFORMANCE_JOBS,
        tags: { 'conformance/dir': dir, ...options.tags },
        stepConfigs,
        emit: (event) => events.push(event),
        // As the run's event writer does: resolves once what was emitted is stored. The file
        // tells an op that its start was stored before it ran.
        flush: async () => {
          for (const e of events)
            if (e.type === 'STEP_START') writeFileSync(path.join(dir, `${e.stepKey}.start-stored`), '');
        },
        signal: options.signal ?? new AbortController().signal,
        io,
        ...(options.completedSteps ? { completedSteps: options.completedSteps } : {}),
        ...(options.selectedSteps ? { selectedSteps: options.selectedSteps } : {}),
      });
      return { runId, outcome, events };
    }

    const output = (runId: string, stepKey: string) => io.loadOutput({ runId, stepKey });

    it('runs a chain to success, each step in order, outputs through the IO manager', async () => {
      const { runId, outcome, events } = await execute('chain');
      expect(outcome.status).toBe('SUCCESS');
      expect(outcome.failedSteps).toEqual([]);
      expect(events.map((e) => `${e.type}:${e.stepKey}`)).toEqual([
        'STEP_START:a',
        'LOG:a',
        'STEP_OUTPUT:a',
        'STEP_SUCCESS:a',
        ...['b', 'c'].flatMap((s) => SUCCEEDED.map((t) => `${t}:${s}`)),
      ]);
      expect([await output(runId, 'a'), await output(runId, 'b'), await output(runId, 'c')]).toEqual([3, 6, 12]);
      expect(find(events, 'STEP_OUTPUT', 'c')?.data).toEqual({ preview: '12' });
    });

    it('fails a step that throws after its retries, skips what depends on it, runs the rest', async () => {
      const { outcome, events } = await execute('failing');
      expect(outcome.status).toBe('FAILURE');
      expect(outcome.failedSteps).toEqual(['fails']);
      expect(outcome.skippedSteps).toEqual(['after', 'after_after']);
      const steps = byStep(events);
      expect(steps.fails).toEqual(['STEP_START', 'STEP_UP_FOR_RETRY', 'STEP_RESTARTED', 'STEP_FAILURE']);
      expect(steps.after).toEqual(['STEP_SKIPPED']);
      expect(steps.after_after).toEqual(['STEP_SKIPPED']);
      expect(steps.independent).toEqual(SUCCEEDED);
      const failure = find(events, 'STEP_FAILURE', 'fails');
      expect(failure?.message).toBe("step 'fails' failed after 2 attempts: Error: outer ← caused by TypeError: inner");
      expect(failure?.error).toMatchObject({ name: 'Error', message: 'outer', cause: { name: 'TypeError' } });
      expect(find(events, 'STEP_SKIPPED', 'after')?.message).toBe(
        "skipped step 'after': upstream step 'fails' did not succeed",
      );
    });

    it('retries by the step retry policy until an attempt succeeds', async () => {
      const { runId, outcome, events } = await execute('flaky');
      expect(outcome.status).toBe('SUCCESS');
      expect(byStep(events).flaky).toEqual([
        'STEP_START',
        'STEP_UP_FOR_RETRY',
        'STEP_RESTARTED',
        'STEP_UP_FOR_RETRY',
        'STEP_RESTARTED',
        'STEP_OUTPUT',
        'STEP_SUCCESS',
      ]);
      const retries = events.filter((e) => e.type === 'STEP_UP_FOR_RETRY');
      expect(retries.map((e) => e.data?.attempt)).toEqual([1, 2]);
      expect(retries[1]?.error?.message).toBe('attempt 2 fails');
      expect(find(events, 'STEP_SUCCESS', 'flaky')?.data).toMatchObject({ attempt: 3 });
      expect(await output(runId, 'flaky')).toBe('succeeded in attempt 3');
    });

    it('fans out and fans in', async () => {
      const { runId, outcome, events } = await execute('fan');
      expect(outcome.status).toBe('SUCCESS');
      const steps = byStep(events);
      for (const step of ['root', 'branch_1', 'branch_2', 'branch_3', 'total']) expect(steps[step]).toEqual(SUCCEEDED);
      const started = events.filter((e) => e.type === 'STEP_START').map((e) => e.stepKey);
      expect(started[0]).toBe('root');
      expect(started.at(-1)).toBe('total');
      expect(await output(runId, 'total')).toBe(10 * (1 + 2 + 3));
    });

    it('grows the plan with map(): one step per item, collected downstream', async () => {
      const { runId, outcome, events } = await execute('mapped', {
        runConfig: { ops: { count: { config: { n: 3 } } } },
      });
      expect(outcome.status).toBe('SUCCESS');
      const squares = Object.keys(byStep(events)).filter((key) => key.startsWith('square'));
      expect(squares).toHaveLength(3);
      for (const key of squares) expect(byStep(events)[key]).toEqual(SUCCEEDED);
      const planned = find(events, 'ENGINE_EVENT', 'count');
      expect(planned?.message).toMatch(/^mapped the output of 'count' into 3 steps/);
      expect(await output(runId, 'sum')).toBe(1 + 4 + 9);
    });

    it('cancels: the running step sees its signal, nothing new starts, the outcome is CANCELED', async () => {
      const controller = new AbortController();
      const execution = execute('cancellable', { signal: controller.signal });
      const deadline = Date.now() + 30_000;
      while (!existsSync(path.join(dir, 'waits.started'))) {
        if (Date.now() > deadline) throw new Error('the step did not start');
        await new Promise((r) => setTimeout(r, 20));
      }
      controller.abort();
      const { outcome, events } = await execution;
      expect(outcome.status).toBe('CANCELED');
      expect(byStep(events).waits).toEqual(['STEP_START', 'STEP_FAILURE']);
      expect(find(events, 'STEP_FAILURE', 'waits')?.error?.message).toBe('stopped on request');
      expect(find(events, 'STEP_START', 'after')).toBeUndefined();
    });

    it('resumes: completed steps are not run again, their outputs come from the run that made them', async () => {
      // What an earlier attempt of the run left: the outputs of 'a' and 'b' (b's is not a × 2 on purpose).
      const earlier = randomUUID();
      await io.storeOutput({ runId: earlier, stepKey: 'a' }, 3);
      await io.storeOutput({ runId: earlier, stepKey: 'b' }, 7);
      const { runId, outcome, events } = await execute('chain', {
        completedSteps: new Map([
          ['a', earlier],
          ['b', earlier],
        ]),
      });
      expect(outcome.status).toBe('SUCCESS');
      expect(Object.keys(byStep(events))).toEqual(['c']);
      expect(await output(runId, 'c')).toBe(14);
    });

    it('runs only the selected steps; the others are neither run nor reported as skipped', async () => {
      const { runId, outcome, events } = await execute('chain', { selectedSteps: new Set(['a', 'b']) });
      expect(outcome.status).toBe('SUCCESS');
      expect(outcome.skippedSteps).toEqual([]);
      expect(Object.keys(byStep(events))).toEqual(['a', 'b']);
      expect(await output(runId, 'b')).toBe(6);
      expect(await io.hasOutput({ runId, stepKey: 'c' })).toBe(false);
    });

    it("captures the step's stdout, stderr and ctx.log", async () => {
      const marker = randomUUID();
      const printed = { stdout: '', stderr: '' };
      const restore = (['stdout', 'stderr'] as const).map((stream) => {
        const target = process[stream];
        const write = target.write;
        target.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
          printed[stream] += chunk.toString();
          return (write as (...args: unknown[]) => boolean).call(target, chunk, ...rest);
        }) as typeof target.write;
        return () => {
          target.write = write;
        };
      });
      let execution: Execution;
      try {
        execution = await execute('prints', { tags: { 'conformance/marker': marker } });
      } finally {
        for (const undo of restore) undo();
      }
      expect(execution.outcome.status).toBe('SUCCESS');
      expect(printed.stdout).toContain(`stdout of prints ${marker}\n`);
      expect(printed.stderr).toContain(`stderr of prints ${marker}\n`);
      const logs = execution.events.filter((e) => e.type === 'LOG');
      expect(logs.map((e) => [e.stepKey, e.level, e.message])).toEqual([
        ['prints', 'warning', 'a warning from the op'],
        ['prints', 'debug', 'a debug line'],
      ]);
      expect(logs[0]?.data).toEqual({ marker });
    });

    it("flushes a step's start (ExecutorContext.flush) before its op runs", async () => {
      const { runId, outcome } = await execute('start_stored');
      expect(outcome.status).toBe('SUCCESS');
      expect(await output(runId, 'sees_start')).toBe(true);
    });

    it('stores outputs through the IO manager; one it refuses fails its step, with no retry', async () => {
      const { runId, outcome, events } = await execute('outputs');
      expect(outcome.status).toBe('FAILURE');
      expect(outcome.failedSteps).toEqual(['makes_date']);
      expect(outcome.skippedSteps).toEqual(['after']);
      expect(byStep(events).makes_date).toEqual(['STEP_START', 'STEP_FAILURE']);
      expect(find(events, 'STEP_FAILURE', 'makes_date')?.error?.name).toBe('OutputNotSerializableError');
      expect(await output(runId, 'makes_object')).toEqual({ list: [1, 'two', { three: null }], ok: true });
      expect(await output(runId, 'reads')).toBe(3);
    });
  });
}
