// The multiprocess executor against real step processes. They run the built package
// (dist/engine/multiprocess/step-process.js): build first with `npx tsc -b packages/runyard`.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
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
import type { Executor } from '../executor.js';
import { FileSystemIOManager } from '../fs-io-manager.js';
import { InProcessExecutor } from '../in-process-executor.js';
import { InMemoryIOManager, type IOManager } from '../io-manager.js';
import { executeRun } from '../run-execution.js';
import { MultiprocessExecutor, type MultiprocessExecutorOptions } from './index.js';

const FIXTURES = fileURLToPath(new URL('./__fixtures__/', import.meta.url));
const JOBS = path.join(FIXTURES, 'jobs.ts');
const REFUSES = path.join(FIXTURES, 'refuses-in-child.ts');
const LOADING_PROBE = path.join(FIXTURES, 'loading-probe.ts');

let tempRoot: string;
let instance: Instance;
let scratch: string;
let io: FileSystemIOManager;
let stdout: Capture;
let stderr: Capture;
/** maxStepsPerProcess of the suite that runs: every test runs with a process per step and with reuse. */
let reuse: number | undefined;
const cacheDirBefore = process.env.RUNYARD_CACHE_DIR;

/** Collects what the step processes print, instead of this process's own stdout and stderr. */
class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

beforeAll(async () => {
  tempRoot = await mkdtemp(path.join(os.tmpdir(), 'runyard-multiprocess-'));
  process.env.RUNYARD_CACHE_DIR = path.join(tempRoot, 'cache');
});
afterAll(async () => {
  if (cacheDirBefore === undefined) delete process.env.RUNYARD_CACHE_DIR;
  else process.env.RUNYARD_CACHE_DIR = cacheDirBefore;
  await rm(tempRoot, { recursive: true, force: true });
});
beforeEach(async () => {
  instance = await Instance.ephemeral();
  scratch = await mkdtemp(path.join(tempRoot, 'scratch-'));
  io = new FileSystemIOManager(path.join(scratch, 'outputs'));
  stdout = new Capture();
  stderr = new Capture();
});
afterEach(async () => {
  await instance.dispose();
  // Whatever a test did, no step process may outlive the execution that started it.
  expect(stepProcessesOf(process.pid)).toEqual([]);
});

interface RunOptions {
  readonly executor?: Executor;
  readonly options?: MultiprocessExecutorOptions;
  readonly io?: IOManager | null;
  readonly location?: string;
  readonly signal?: AbortSignal;
  readonly completedSteps?: ReadonlyMap<string, string>;
  readonly onEvent?: (event: RunEvent) => void;
}

async function run(jobName: string, options: RunOptions = {}) {
  const location = options.location ?? JOBS;
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
    io: options.io === null ? undefined : (options.io ?? io),
    executor:
      options.executor ??
      new MultiprocessExecutor({
        maxConcurrent: 2,
        stdout,
        stderr,
        ...(reuse ? { maxStepsPerProcess: reuse } : {}),
        ...options.options,
      }),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.completedSteps ? { completedSteps: options.completedSteps } : {}),
    onEvent: (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
  });
  if (!result.started) throw new Error('the run did not start');
  return { runId: created.runId, run: result.run, outcome: result.outcome, events };
}

const types = (events: readonly RunEvent[]) => events.map((e) => (e.stepKey ? `${e.type}:${e.stepKey}` : e.type));

function byStep(events: readonly RunEvent[]): Record<string, string[]> {
  const steps: Record<string, string[]> = {};
  for (const e of events) {
    if (!e.stepKey) continue;
    steps[e.stepKey] ??= [];
    steps[e.stepKey]?.push(e.type);
  }
  return steps;
}

const stepEvent = (events: readonly RunEvent[], type: string, stepKey: string) =>
  events.find((e) => e.type === type && e.stepKey === stepKey);

/** Live step processes whose parent is `ppid`, from /proc. */
function stepProcessesOf(ppid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(parent) !== ppid || state === 'Z') continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('step-process.js')) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

interface Numbered {
  readonly n: number;
  readonly pid: number;
}

/** Steps ran one per process, or (with reuse) no process ran more than `reuse` of them. */
function expectProcessPerStep(pids: readonly number[]): void {
  expect(pids).not.toContain(process.pid);
  if (!reuse) {
    expect(new Set(pids).size).toBe(pids.length);
    return;
  }
  const perProcess = new Map<number, number>();
  for (const pid of pids) perProcess.set(pid, (perProcess.get(pid) ?? 0) + 1);
  expect(Math.max(...perProcess.values())).toBeLessThanOrEqual(reuse);
  expect(perProcess.size).toBeGreaterThanOrEqual(Math.ceil(pids.length / reuse));
}

describe.each([
  { label: 'a process per step', maxStepsPerProcess: undefined },
  { label: 'maxStepsPerProcess: 4', maxStepsPerProcess: 4 },
])('MultiprocessExecutor, $label', ({ maxStepsPerProcess }) => {
  beforeAll(() => {
    reuse = maxStepsPerProcess;
  });
  it('runs a chain with the same events as in process, each step in its own process, outputs in files', async () => {
    const multi = await run('chain');
    const inProcess = await run('chain', { executor: new InProcessExecutor(), io: null });
    expect(multi.run.status).toBe('SUCCESS');
    expect(types(multi.events)).toEqual(types(inProcess.events));
    expect(types(multi.events).slice(0, 6)).toEqual([
      'RUN_START',
      'STEP_START:start',
      'LOG:start',
      'STEP_OUTPUT:start',
      'STEP_SUCCESS:start',
      'STEP_START:inc_1',
    ]);
    expect(stepEvent(multi.events, 'LOG', 'inc_3')).toMatchObject({ level: 'debug', message: 'adding one to 2' });
    expect(stepEvent(multi.events, 'LOG', 'start')?.data).toEqual({ attempt: 1 });

    // The outputs are JSON files that the next step's process read.
    const keys = ['start', ...Array.from({ length: 9 }, (_, i) => `inc_${i + 1}`)];
    const outputs: Numbered[] = [];
    for (const key of keys) {
      const file = path.join(io.baseDir, multi.runId, `${key}.json`);
      outputs.push(JSON.parse(await readFile(file, 'utf8')).value as Numbered);
    }
    expect(outputs.map((o) => o.n)).toEqual(keys.map((key) => (inProcess.outcome.outputs.get(key) as Numbered).n));
    expect(outputs.map((o) => o.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expectProcessPerStep(outputs.map((o) => o.pid));
    expect(multi.outcome.outputs.size).toBe(0);
  });

  it('runs a fan-out and fan-in with the same events per step as in process', async () => {
    const multi = await run('fan_out');
    const inProcess = await run('fan_out', { executor: new InProcessExecutor(), io: null });
    expect(multi.run.status).toBe('SUCCESS');
    expect(byStep(multi.events)).toEqual(byStep(inProcess.events));
    expect(types(multi.events).sort()).toEqual(types(inProcess.events).sort());
    expect(types(multi.events).at(-2)).toBe('STEP_SUCCESS:total');
    const total = (await io.loadOutput({ runId: multi.runId, stepKey: 'total' })) as Numbered;
    expect(total.n).toBe((18 * 19) / 2);
    expect(total.n).toBe((inProcess.outcome.outputs.get('total') as Numbered).n);
    const pids: number[] = [];
    for (const key of Object.keys(byStep(multi.events)))
      pids.push(((await io.loadOutput({ runId: multi.runId, stepKey: key })) as Numbered).pid);
    expect(pids).toHaveLength(20);
    expectProcessPerStep(pids);
  });

  it('never runs more steps at once than maxConcurrent', async () => {
    await mkdir(path.join(scratch, 'running'));
    await mkdir(path.join(scratch, 'started'));
    const { run: finished, runId } = await run('wide', { options: { maxConcurrent: 2 } });
    expect(finished.status).toBe('SUCCESS');
    const results: Array<{ peak: number; pid: number }> = [];
    for (let i = 0; i < 6; i++) results.push((await io.loadOutput({ runId, stepKey: `w_${i}` })) as never);
    // Each op counted the ops running when it started; the first two always overlap.
    expect(Math.max(...results.map((r) => r.peak))).toBe(2);
    expectProcessPerStep(results.map((r) => r.pid));
    expect(readdirSync(path.join(scratch, 'started'))).toHaveLength(6);
  });

  it('fails an attempt whose process exits, is killed or runs out of memory, and retries it', async () => {
    const {
      run: finished,
      events,
      runId,
    } = await run('crashes', {
      options: { execArgv: ['--max-old-space-size=64'] },
    });
    expect(finished.status).toBe('SUCCESS');
    const expected = {
      exits: 'step process exited with code 1',
      killed: 'step process was killed by SIGKILL',
      hog: 'step process ran out of memory',
    };
    for (const [step, message] of Object.entries(expected)) {
      expect(byStep(events)[step]).toEqual([
        'STEP_START',
        'STEP_UP_FOR_RETRY',
        'STEP_RESTARTED',
        'STEP_OUTPUT',
        'STEP_SUCCESS',
      ]);
      const retry = stepEvent(events, 'STEP_UP_FOR_RETRY', step);
      expect(retry?.error).toMatchObject({ name: 'StepProcessCrashError', message });
      expect(retry?.message).toBe(
        `step '${step}' failed (attempt 1 of 2); retrying in 0 ms: StepProcessCrashError: ${message}`,
      );
      expect(await io.loadOutput({ runId, stepKey: step })).toBe('recovered in attempt 2');
    }
    const exited = stepEvent(events, 'STEP_UP_FOR_RETRY', 'exits')?.error?.data;
    expect(exited).toMatchObject({ exitCode: 1, signal: null });
    expect(exited?.stderrTail).toContain('exits: giving up with code 1');
    expect(stepEvent(events, 'STEP_UP_FOR_RETRY', 'killed')?.error?.data).toMatchObject({
      exitCode: null,
      signal: 'SIGKILL',
    });
    const oom = stepEvent(events, 'STEP_UP_FOR_RETRY', 'hog')?.error?.data;
    expect(oom).toMatchObject({ outOfMemory: true });
    expect(oom?.stderrTail).toContain('JavaScript heap out of memory');
    expect(String(oom?.stderrTail).split('\n').length).toBeLessThanOrEqual(20);
  });

  it('fails a step whose process crashed with no retry left, and skips what depends on it', async () => {
    const { run: finished, outcome, events } = await run('crash_fails');
    expect(finished.status).toBe('FAILURE');
    expect(outcome.failedSteps).toEqual(['dies']);
    expect(outcome.skippedSteps).toEqual(['after']);
    expect(stepEvent(events, 'STEP_FAILURE', 'dies')?.message).toBe(
      "step 'dies' failed: StepProcessCrashError: step process exited with code 3",
    );
    expect(stepEvent(events, 'STEP_SKIPPED', 'after')?.message).toBe(
      "skipped step 'after': upstream step 'dies' did not succeed",
    );
    expect(stepEvent(events, 'STEP_SUCCESS', 'fine')).toBeDefined();
  });

  it('fails a step that throws after its retries, as in process, and skips downstream', async () => {
    const multi = await run('failing');
    const inProcess = await run('failing', { executor: new InProcessExecutor(), io: null });
    expect(multi.run.status).toBe('FAILURE');
    expect(multi.outcome.failedSteps).toEqual(['fails']);
    expect(multi.outcome.skippedSteps).toEqual(['after', 'after_after']);
    expect(byStep(multi.events)).toEqual(byStep(inProcess.events));
    const failure = stepEvent(multi.events, 'STEP_FAILURE', 'fails');
    expect(failure?.message).toBe("step 'fails' failed after 2 attempts: Error: outer ← caused by TypeError: inner");
    expect(failure?.error).toMatchObject({
      name: 'Error',
      message: 'outer',
      cause: { name: 'TypeError', message: 'inner' },
    });
    // Stack traces point at the TypeScript source of the code location.
    expect(failure?.error?.stack).toContain('jobs.ts');
    expect(multi.events.at(-1)?.message).toBe("run of job 'failing' failed: step 'fails' failed");
  });

  it('cancels: signals every step process, SIGKILLs one that ignores it after the grace, leaves none', async () => {
    const controller = new AbortController();
    const pidFile = (step: string) => path.join(scratch, `${step}.pid`);
    const execution = run('cancellable', { signal: controller.signal, options: { terminateGraceMs: 300 } });
    const pids = await waitFor('both steps to start', () =>
      existsSync(pidFile('polite')) && existsSync(pidFile('stubborn'))
        ? ['polite', 'stubborn'].map((step) => Number(readFileSync(pidFile(step), 'utf8')))
        : undefined,
    );
    controller.abort();
    const { run: finished, outcome, events } = await execution;
    expect(finished.status).toBe('CANCELED');
    expect(outcome.status).toBe('CANCELED');
    expect(events.at(-1)?.type).toBe('RUN_CANCELED');
    expect(stepEvent(events, 'STEP_FAILURE', 'polite')?.error?.message).toBe('stopped when asked');
    expect(stepEvent(events, 'STEP_FAILURE', 'stubborn')?.error?.message).toBe('step process was killed by SIGKILL');
    expect(stepEvent(events, 'STEP_START', 'after')).toBeUndefined();
    expect(stderr.text).toContain('stubborn: ignoring SIGTERM');
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it("stores a step's start before its op runs", async () => {
    const { run: finished, runId } = await run('start_stored', {
      onEvent: (event) => {
        if (event.type === 'STEP_START') writeFileSync(path.join(scratch, `${event.stepKey}.start-stored`), '');
      },
    });
    expect(finished.status).toBe('SUCCESS');
    expect(await io.loadOutput({ runId, stepKey: 'sees_start' })).toBe(true);
  });

  it('starts no step when the run is cancelled before it begins', async () => {
    const controller = new AbortController();
    controller.abort();
    const { run: finished, events } = await run('chain', { signal: controller.signal });
    expect(finished.status).toBe('CANCELED');
    expect(types(events)).toEqual(['RUN_START', 'RUN_CANCELED']);
  });

  it('fails the steps clearly when the code location does not load in the step process', async () => {
    const {
      run: finished,
      outcome,
      events,
    } = await run('refuses', {
      location: REFUSES,
      options: { env: { RUNYARD_TEST_REFUSE_LOAD: '1' } },
    });
    expect(finished.status).toBe('FAILURE');
    expect([...outcome.failedSteps].sort()).toEqual(['one', 'three']);
    expect(outcome.skippedSteps).toEqual(['two']);
    expect(events.filter((e) => e.type === 'STEP_START')).toEqual([]);
    for (const step of ['one', 'three']) {
      const failure = stepEvent(events, 'STEP_FAILURE', step);
      expect(failure?.error).toMatchObject({
        name: 'StepProcessLoadError',
        message: `step process could not load job 'refuses' from code location '${REFUSES}'`,
        cause: { name: 'CodeLocationError' },
      });
      expect(failure?.message).toContain('this code location refuses to load here');
    }
  });

  it('fails the step whose output JSON cannot hold, passes undefined on, and forwards output', async () => {
    const { run: finished, outcome, events, runId } = await run('outputs');
    expect(finished.status).toBe('FAILURE');
    expect(outcome.failedSteps).toEqual(['makes_date']);
    expect(outcome.skippedSteps).toEqual(['after']);
    // The step is not reported a success before its output turns out not to be storable.
    expect(byStep(events).makes_date).toEqual(['STEP_START', 'STEP_FAILURE']);
    expect(stepEvent(events, 'STEP_FAILURE', 'makes_date')?.message).toBe(
      "step 'makes_date' failed: OutputNotSerializableError: the output of step 'makes_date' cannot be stored as JSON: a Date (store date.toISOString() instead) at $.when; outputs must be plain objects, arrays, strings, finite numbers, booleans, null or undefined",
    );
    expect(await io.loadOutput({ runId, stepKey: 'takes_nothing' })).toBe('got undefined');
    expect(stdout.text).toContain('hello from a step process\n');
    expect(stderr.text).toContain('a warning from a step process\n');
  });

  it('loads outputs of completed steps from the run that produced them', async () => {
    const first = await run('chain');
    const completed = new Map(['start', 'inc_1', 'inc_2'].map((step) => [step, first.runId]));
    const resumed = await run('chain', { completedSteps: completed });
    expect(resumed.run.status).toBe('SUCCESS');
    expect(Object.keys(byStep(resumed.events))).toEqual(Array.from({ length: 7 }, (_, i) => `inc_${i + 3}`));
    expect(((await io.loadOutput({ runId: resumed.runId, stepKey: 'inc_9' })) as Numbered).n).toBe(9);
  });

  it('works with a custom IO manager that step processes rebuild from module and class', async () => {
    // @ts-expect-error: a plain JavaScript fixture, as a user might write one
    const { TextFileIOManager } = await import('./__fixtures__/text-file-io-manager.mjs');
    const textIO = new TextFileIOManager({ dir: path.join(scratch, 'text') }) as IOManager;
    const { run: finished, runId } = await run('chain', { io: textIO });
    expect(finished.status).toBe('SUCCESS');
    const stored = JSON.parse(readFileSync(path.join(scratch, 'text', `${runId}--inc_9.txt`), 'utf8'));
    expect(stored.value.n).toBe(9);
    expect(stored.writtenBy).toBe(stored.value.pid);
    expect(stored.writtenBy).not.toBe(process.pid);
  });

  it('is what a job with executor multiprocess gets, with outputs in a temporary directory', async () => {
    const location = await loadCodeLocation(JOBS);
    // A private temporary directory, to see that the executor removes what it made there.
    const tmp = await mkdtemp(path.join(tempRoot, 'tmp-'));
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const viaOption = await executeJob(location.getJob('chain'), { instance, codeLocation: JOBS });
      expect(viaOption.status).toBe('SUCCESS');
      const viaOrigin = await executeJob(location.getJob('chain'), {
        instance,
        origin: { codeLocation: JOBS, source: 'api' },
      });
      expect(viaOrigin.status).toBe('SUCCESS');
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
    // Node's compile cache (Node >= 22.1, turned on in step processes) is kept there on purpose,
    // for later processes; everything else the executor made must be gone.
    expect(readdirSync(tmp).filter((name) => name !== 'node-compile-cache')).toEqual([]);
  });

  it('refuses jobs built in memory and IO managers that cannot be rebuilt, with reasons', async () => {
    const inMemory = job({
      name: 'in_memory',
      executor: { type: 'multiprocess' },
      graph: () => void op({ name: 'noop', run: () => 1 })(),
    });
    const noLocation = await executeJob(inMemory, { instance });
    expect(noLocation.status).toBe('FAILURE');
    expect(noLocation.events.at(-1)?.message).toContain(
      "job 'in_memory' cannot run on the multiprocess executor: it was not loaded from a code location",
    );
    const memoryIO = await run('chain', { io: new InMemoryIOManager() });
    expect(memoryIO.run.status).toBe('FAILURE');
    expect(memoryIO.events.at(-1)?.message).toContain(
      'InMemoryIOManager cannot be rebuilt in a step process (it has no toChildConfig())',
    );
  });

  it('a step process exits when the process that started it dies', async () => {
    const parent = spawn(process.execPath, [path.join(FIXTURES, 'orphaned-step-process.mjs'), JOBS, 'chain'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let printed = '';
    parent.stdout.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    const pid = await waitFor('the step process to be ready', () =>
      printed.includes('\n') ? Number(printed.trim()) : undefined,
    );
    expect(isAlive(pid)).toBe(true);
    parent.kill('SIGKILL');
    await waitFor('the orphaned step process to exit', () => (isAlive(pid) ? undefined : true));
  });

  it('a crash fails only the attempt it interrupts; the retry runs in a process that ran no step', async () => {
    const { run: finished, events, runId } = await run('reused');
    expect(finished.status).toBe('SUCCESS');
    const output = async (stepKey: string) =>
      (await io.loadOutput({ runId, stepKey })) as { readonly pid: number; readonly seen: number };
    const first = await output('first');
    // The process that the first attempt of dies_once ran in, and exited from.
    const crashedPid = Number(readFileSync(path.join(scratch, 'dies_once.marker'), 'utf8'));
    expect(byStep(events).dies_once).toEqual([
      'STEP_START',
      'STEP_UP_FOR_RETRY',
      'STEP_RESTARTED',
      'STEP_OUTPUT',
      'STEP_SUCCESS',
    ]);
    expect(stepEvent(events, 'STEP_UP_FOR_RETRY', 'dies_once')?.error?.message).toBe('step process exited with code 7');
    expect(byStep(events).first).toEqual(['STEP_START', 'STEP_OUTPUT', 'STEP_SUCCESS']);
    const retried = await output('dies_once');
    expect(retried.pid).not.toBe(crashedPid);
    // A fresh process: the crash took the state of the steps before it along.
    expect(retried.seen).toBe(1);
    const afterIt = await output('after_it');
    const last = await output('last');
    if (reuse) {
      // Reused: the step after `first` went to its process; the steps after the retry to the
      // retry's, and they see the module state of the steps before them in that process.
      expect(crashedPid).toBe(first.pid);
      expect([afterIt.pid, last.pid]).toEqual([retried.pid, retried.pid]);
      expect([afterIt.seen, last.seen]).toEqual([2, 3]);
    } else {
      expect(new Set([first.pid, crashedPid, retried.pid, afterIt.pid, last.pid]).size).toBe(5);
      expect([first.seen, afterIt.seen, last.seen]).toEqual([1, 1, 1]);
    }
  });

  it('never has more step processes loading at once than maxStarting', async () => {
    const loading = path.join(scratch, 'loading');
    await mkdir(loading);
    const { run: finished, runId } = await run('many_leaves', {
      location: LOADING_PROBE,
      options: { maxConcurrent: 6, maxStarting: 1, env: { RUNYARD_TEST_LOADING_DIR: loading } },
    });
    expect(finished.status).toBe('SUCCESS');
    const pids = new Set<number>();
    for (let i = 0; i < 6; i++) pids.add((await io.loadOutput({ runId, stepKey: `leaf_${i}` })) as number);
    // One sample per process that loaded the code location (spares killed while loading may not
    // have got as far): each saw itself alone.
    const samples = readFileSync(path.join(loading, 'samples'), 'utf8').trim().split('\n').map(Number);
    expect(samples.length).toBeGreaterThanOrEqual(pids.size);
    expect(new Set(samples)).toEqual(new Set([1]));
  });
});
