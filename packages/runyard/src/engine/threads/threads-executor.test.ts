// What only the threads executor does, against real worker threads (they run the built
// dist/engine/threads/step-thread-main.js: build first with `npx tsc -b packages/runyard`).
// The behaviours every executor shares are in @runyard/testing's executor conformance suite.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadCodeLocation } from '../../code-location/load-code-location.js';
import { job } from '../../definitions/job.js';
import { op } from '../../definitions/op.js';
import type { RunEvent } from '../../events/run-event.js';
import { Instance } from '../../instance/instance.js';
import { executeJob } from '../execute-job.js';
import { FileSystemIOManager } from '../fs-io-manager.js';
import { executeRun } from '../run-execution.js';
import { ThreadsExecutor, type ThreadsExecutorOptions } from './index.js';

const JOBS = fileURLToPath(new URL('./__fixtures__/thread-jobs.ts', import.meta.url));
const REFUSES = fileURLToPath(new URL('./__fixtures__/refuses-in-thread.ts', import.meta.url));

let tempRoot: string;
let scratch: string;
let io: FileSystemIOManager;
let stderr: Capture;
const cacheDirBefore = process.env.RUNYARD_CACHE_DIR;
/** This process's OS threads before any step thread: V8's, libuv's pool (started by then), vitest's. */
let threadsBefore: number;
const osThreads = () => readdirSync('/proc/self/task').length;

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

beforeAll(async () => {
  tempRoot = await mkdtemp(path.join(os.tmpdir(), 'runyard-threads-'));
  process.env.RUNYARD_CACHE_DIR = path.join(tempRoot, 'cache');
  threadsBefore = osThreads();
});
afterAll(async () => {
  if (cacheDirBefore === undefined) delete process.env.RUNYARD_CACHE_DIR;
  else process.env.RUNYARD_CACHE_DIR = cacheDirBefore;
  await rm(tempRoot, { recursive: true, force: true });
});
afterEach(async () => {
  // The executor resolves when every step has ended and its threads are terminating: they are
  // all gone moments later, whatever the test did to them.
  await waitFor('the step threads to end', () => osThreads() <= threadsBefore);
});
beforeEach(async () => {
  scratch = await mkdtemp(path.join(tempRoot, 'scratch-'));
  io = new FileSystemIOManager(path.join(scratch, 'outputs'));
  stderr = new Capture();
});

interface RunOptions {
  readonly signal?: AbortSignal;
  readonly executor?: ThreadsExecutorOptions;
  readonly location?: string;
}

async function run(jobName: string, options: RunOptions = {}) {
  const instance = await Instance.ephemeral();
  const location = options.location ?? JOBS;
  try {
    const definition = (await loadCodeLocation(location)).getJob(jobName);
    const created = await instance.storage.runs.createRun({
      jobName,
      origin: { codeLocation: location, source: 'api' },
      tags: { 'test/dir': scratch },
    });
    const events: RunEvent[] = [];
    const result = await executeRun({
      storage: instance.storage,
      run: created,
      job: definition,
      startFrom: ['NOT_STARTED'],
      codeLocation: location,
      io,
      executor: new ThreadsExecutor({
        maxConcurrent: definition.executor.maxConcurrent,
        resourceLimits: definition.executor.resourceLimits,
        stderr,
        ...options.executor,
      }),
      ...(options.signal ? { signal: options.signal } : {}),
      onEvent: (event) => events.push(event),
    });
    if (!result.started) throw new Error('the run did not start');
    return { runId: created.runId, run: result.run, outcome: result.outcome, events };
  } finally {
    await instance.dispose();
  }
}

const stepEvent = (events: readonly RunEvent[], type: string, stepKey: string) =>
  events.find((e) => e.type === type && e.stepKey === stepKey);

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

describe('ThreadsExecutor', () => {
  it('runs one step after another in the same thread, whose module state persists', async () => {
    const { run: finished, runId } = await run('shared_state');
    expect(finished.status).toBe('SUCCESS');
    const keys = ['first', 'counts_1', 'counts_2', 'counts_3'];
    const outputs = [];
    for (const stepKey of keys)
      outputs.push((await io.loadOutput({ runId, stepKey })) as { threadId: number; seen: number });
    // One thread (not the main thread, id 0) loaded the job once and ran all four.
    expect(new Set(outputs.map((o) => o.threadId)).size).toBe(1);
    expect(outputs[0]?.threadId).toBeGreaterThan(0);
    expect(outputs.map((o) => o.seen)).toEqual([1, 2, 3, 4]);
  });

  it('fails a step that outgrows its heap limit as out of memory; the run goes on with its other steps', async () => {
    const { run: finished, outcome, events } = await run('heap');
    expect(finished.status).toBe('FAILURE');
    expect(outcome.failedSteps).toEqual(['hog']);
    expect(outcome.skippedSteps).toEqual(['after']);
    for (const step of ['fine_1', 'fine_2', 'fine_3']) expect(stepEvent(events, 'STEP_SUCCESS', step)).toBeDefined();
    const failure = stepEvent(events, 'STEP_FAILURE', 'hog');
    expect(failure?.message).toBe(
      "step 'hog' failed: StepThreadCrashError: step thread ran out of memory (its heap limit, resourceLimits.maxOldGenerationSizeMb, is 48 MB)",
    );
    expect(failure?.error?.data).toMatchObject({ outOfMemory: true });
  });

  it('fails only the step that calls process.exit() or throws from a timer, and replaces its thread', async () => {
    const { run: finished, outcome, events, runId } = await run('exits');
    expect(finished.status).toBe('FAILURE');
    expect([...outcome.failedSteps].sort()).toEqual(['exits', 'throws_later']);
    expect([...outcome.skippedSteps].sort()).toEqual(['after', 'after_throw']);
    const exited = stepEvent(events, 'STEP_FAILURE', 'exits');
    expect(exited?.message).toBe(
      "step 'exits' failed: StepThreadCrashError: step thread exited with code 7 (process.exit() in a step ends its thread)",
    );
    expect(exited?.error?.data).toMatchObject({ exitCode: 7 });
    expect(exited?.error?.data?.stderrTail).toContain('exits: calling process.exit(7)');
    expect(stepEvent(events, 'STEP_FAILURE', 'throws_later')?.error).toMatchObject({
      message: 'step thread crashed: RangeError: thrown from a timer',
      cause: { name: 'RangeError', message: 'thrown from a timer' },
    });
    // Its first attempt ended its thread; the retry ran in a new one and succeeded.
    expect(stepEvent(events, 'STEP_UP_FOR_RETRY', 'retried_exit')?.error?.message).toBe(
      'step thread exited with code 1 (process.exit() in a step ends its thread)',
    );
    expect(await io.loadOutput({ runId, stepKey: 'retried_exit' })).toMatchObject({ attempt: 2 });
    for (const step of ['fine_1', 'fine_2', 'fine_3']) expect(stepEvent(events, 'STEP_SUCCESS', step)).toBeDefined();
  });

  it('terminates the thread of a step that ignores its abort signal when the run is cancelled', async () => {
    const controller = new AbortController();
    const execution = run('stubborn', { signal: controller.signal, executor: { terminateGraceMs: 200 } });
    await waitFor('both steps to start', () =>
      ['spins.started', 'polite.started'].every((f) => existsSync(path.join(scratch, f))),
    );
    controller.abort();
    const { run: finished, outcome, events } = await execution;
    expect(finished.status).toBe('CANCELED');
    expect(outcome.status).toBe('CANCELED');
    expect(stepEvent(events, 'STEP_FAILURE', 'polite')?.error?.message).toBe('stopped when asked');
    expect(stepEvent(events, 'STEP_FAILURE', 'spins')?.error?.message).toBe(
      'step thread was terminated: the run was cancelled and the step had not stopped 200 ms after its signal was aborted',
    );
    expect(stepEvent(events, 'STEP_START', 'after')).toBeUndefined();
    expect(events.at(-1)?.type).toBe('RUN_CANCELED');
    expect(Number(readFileSync(path.join(scratch, 'spins.started'), 'utf8'))).toBeGreaterThan(0);
  });

  it('fails the steps with the reason when the code location does not load in a thread', async () => {
    const { run: finished, outcome, events } = await run('refuses', { location: REFUSES });
    expect(finished.status).toBe('FAILURE');
    expect([...outcome.failedSteps].sort()).toEqual(['one', 'three']);
    expect(outcome.skippedSteps).toEqual(['two']);
    expect(events.filter((e) => e.type === 'STEP_START')).toEqual([]);
    for (const step of ['one', 'three']) {
      const failure = stepEvent(events, 'STEP_FAILURE', step);
      expect(failure?.error).toMatchObject({
        name: 'StepThreadLoadError',
        message: `step thread could not load job 'refuses' from code location '${REFUSES}'`,
        cause: { name: 'CodeLocationError' },
      });
      expect(failure?.message).toContain('this code location refuses to load in a thread');
    }
  });

  it('refuses a job built in memory, with the reason', async () => {
    const inMemory = job({
      name: 'in_memory',
      executor: { type: 'threads' },
      graph: () => void op({ name: 'noop', run: () => 1 })(),
    });
    const result = await executeJob(inMemory);
    expect(result.status).toBe('FAILURE');
    expect(result.events.at(-1)?.message).toContain(
      "job 'in_memory' cannot run on the threads executor: it was not loaded from a code location",
    );
  });
});
