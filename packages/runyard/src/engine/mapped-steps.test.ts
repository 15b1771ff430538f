// map() at run time, in both executors: every test runs a job of __fixtures__/mapped-jobs.ts in
// process (`<job>`) and on the multiprocess executor (`<job>_mp`, real step processes: build
// first with `npx tsc -b packages/runyard`).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadCodeLocation } from '../code-location/load-code-location.js';
import type { RunEvent } from '../events/run-event.js';
import { stepStatsFromEvents } from '../events/step-stats.js';
import { Instance } from '../instance/instance.js';
import { completedStepsFromEvents } from '../worker/completed-steps.js';
import { FileSystemIOManager } from './fs-io-manager.js';
import { executeRun } from './run-execution.js';

const JOBS = fileURLToPath(new URL('./__fixtures__/mapped-jobs.ts', import.meta.url));

let tempRoot: string;
let instance: Instance;
let scratch: string;
let io: FileSystemIOManager;
const cacheDirBefore = process.env.RUNYARD_CACHE_DIR;

beforeAll(async () => {
  tempRoot = await mkdtemp(path.join(os.tmpdir(), 'runyard-mapped-'));
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
});
afterEach(async () => {
  await instance.dispose();
});

interface RunOptions {
  readonly ops?: Record<string, unknown>;
  readonly completedSteps?: ReadonlyMap<string, string>;
  /** A step selection (static node names): steps of other nodes are outside the run. */
  readonly selectedSteps?: ReadonlySet<string>;
  readonly dir?: boolean;
}

async function run(jobName: string, options: RunOptions = {}) {
  const definition = (await loadCodeLocation(JOBS)).getJob(jobName);
  const created = await instance.storage.runs.createRun({
    jobName,
    origin: { codeLocation: JOBS, source: 'api' },
    runConfig: { ops: Object.fromEntries(Object.entries(options.ops ?? {}).map(([k, config]) => [k, { config }])) },
    tags: options.dir === false ? {} : { 'test/dir': scratch },
  });
  const events: RunEvent[] = [];
  const result = await executeRun({
    storage: instance.storage,
    run: created,
    job: definition,
    startFrom: ['NOT_STARTED'],
    codeLocation: JOBS,
    io,
    ...(options.completedSteps ? { completedSteps: options.completedSteps } : {}),
    ...(options.selectedSteps ? { selectedSteps: options.selectedSteps } : {}),
    onEvent: (event) => events.push(event),
  });
  if (!result.started) throw new Error('the run did not start');
  const stored = await instance.storage.events.getEvents(created.runId);
  const output = (stepKey: string) => io.loadOutput({ runId: created.runId, stepKey });
  return { runId: created.runId, run: result.run, outcome: result.outcome, events: stored, output };
}

const starts = (events: readonly RunEvent[]) =>
  events.filter((e) => e.type === 'STEP_START' || e.type === 'STEP_RESTARTED').map((e) => e.stepKey);
const ran = () =>
  existsSync(path.join(scratch, 'ran')) ? readFileSync(path.join(scratch, 'ran'), 'utf8').trim().split('\n') : [];
const files = (items: string[]) => ({ list_files: { items } });

describe.each([
  ['in process', ''],
  ['multiprocess', '_mp'],
])('mapped steps, %s', (_name, sfx) => {
  it('runs one step per item, keyed by the item, and the collector gets their outputs in item order', async () => {
    const r = await run(`fanout${sfx}`, { ops: files(['a.csv', 'b.csv', 'c.csv']) });
    expect(r.run.status).toBe('SUCCESS');
    expect(await r.output('report')).toEqual(['a.csv', 'b.csv', 'c.csv']);
    expect(await r.output('load[b.csv]')).toEqual({ file: 'b.csv', size: 5 });
    expect(
      stepStatsFromEvents(r.events)
        .map((s) => [s.stepKey, s.status])
        .sort(),
    ).toEqual([
      ['list_files', 'SUCCESS'],
      ['load[a.csv]', 'SUCCESS'],
      ['load[b.csv]', 'SUCCESS'],
      ['load[c.csv]', 'SUCCESS'],
      ['report', 'SUCCESS'],
    ]);
    // The plan grew once, when the list was known.
    const grown = r.events.filter((e) => e.data?.mappedFrom === 'list_files');
    expect(grown.map((e) => e.data?.executionPlan)).toEqual([['load[a.csv]', 'load[b.csv]', 'load[c.csv]']]);
  });

  it('an empty list runs no mapped step, and the collector gets []', async () => {
    const r = await run(`fanout${sfx}`, { ops: files([]) });
    expect(r.run.status).toBe('SUCCESS');
    expect(starts(r.events)).toEqual(['list_files', 'report']);
    expect(await r.output('report')).toEqual([]);
  });

  it('a failing item is retried alone, by its op retry policy', async () => {
    const r = await run(`fanout${sfx}`, { ops: files(['a', 'flaky-b', 'c']) });
    expect(r.run.status).toBe('SUCCESS');
    expect(r.events.filter((e) => e.type === 'STEP_UP_FOR_RETRY').map((e) => e.stepKey)).toEqual(['load[flaky-b]']);
    expect(ran().sort()).toEqual(['load[a]', 'load[c]', 'load[flaky-b]', 'load[flaky-b]']);
    expect(await r.output('report')).toEqual(['a', 'flaky-b', 'c']);
  });

  it('a failed item skips the collector; an op with partialResults gets the items that succeeded', async () => {
    const failed = await run(`fanout${sfx}`, { ops: files(['a', 'bad-b', 'c']) });
    expect(failed.run.status).toBe('FAILURE');
    expect(failed.outcome.failedSteps).toEqual(['load[bad-b]']);
    expect(failed.outcome.skippedSteps).toEqual(['report']);
    expect(failed.events.find((e) => e.type === 'STEP_SKIPPED')?.message).toBe(
      "skipped step 'report': upstream step 'load[bad-b]' did not succeed",
    );

    const partial = await run(`fanout_partial${sfx}`, { ops: files(['a', 'bad-b', 'c']) });
    expect(partial.run.status).toBe('FAILURE');
    expect(await partial.output('partial_report')).toEqual(['a', 'c']);
  });

  it('retry from failure: only the failed item runs again, the rest (and the list) come from the first run', async () => {
    const first = await run(`fanout${sfx}`, { ops: files(['a', 'bad-b', 'c']) });
    expect(first.run.status).toBe('FAILURE');
    const events = await instance.storage.events.getEvents(first.runId);
    const completed = await completedStepsFromEvents(first.runId, events, io);
    expect([...completed.keys()].sort()).toEqual(['list_files', 'load[a]', 'load[c]']);

    writeFileSync(path.join(scratch, 'fixed'), '');
    writeFileSync(path.join(scratch, 'ran'), '');
    const retry = await run(`fanout${sfx}`, { ops: files(['a', 'bad-b', 'c']), completedSteps: completed });
    expect(retry.run.status).toBe('SUCCESS');
    expect(starts(retry.events)).toEqual(['load[bad-b]', 'report']);
    expect(await retry.output('report')).toEqual(['a', 'bad-b', 'c']);
  });

  it('a step selection around a map: the collector alone reads every item from a parent; the mapped op alone re-maps the parent list', async () => {
    const parent = await run(`fanout${sfx}`, { ops: files(['a', 'b']) });
    expect(parent.run.status).toBe('SUCCESS');
    const completed = await completedStepsFromEvents(
      parent.runId,
      await instance.storage.events.getEvents(parent.runId),
      io,
    );

    // `report` only: the list and the items are outside the selection, read from the parent (the
    // worker hands over the parent's outputs of the unselected steps: worker/completed-steps.ts).
    const collector = await run(`fanout${sfx}`, {
      ops: files(['a', 'b']),
      completedSteps: new Map([...completed].filter(([key]) => key !== 'report')),
      selectedSteps: new Set(['report']),
    });
    expect(collector.run.status).toBe('SUCCESS');
    expect(starts(collector.events)).toEqual(['report']);
    expect(await collector.output('report')).toEqual(['a', 'b']);

    // `load` only: the parent's list is mapped again and each item runs; `report` is outside.
    const listOnly = new Map([...completed].filter(([key]) => key === 'list_files'));
    const mapped = await run(`fanout${sfx}`, {
      ops: files(['a', 'b']),
      completedSteps: listOnly,
      selectedSteps: new Set(['load']),
    });
    expect(mapped.run.status).toBe('SUCCESS');
    expect(starts(mapped.events).sort()).toEqual(['load[a]', 'load[b]']);
    expect(stepStatsFromEvents(mapped.events).map((s) => s.stepKey)).not.toContain('report');

    // `report` with no earlier items (the submit check stops this; here an output gone since):
    // the run fails when the list is mapped, naming what is missing, and `report` never runs.
    const missing = await run(`fanout${sfx}`, {
      ops: files(['a']),
      completedSteps: listOnly,
      selectedSteps: new Set(['report']),
    });
    expect(missing.run.status).toBe('FAILURE');
    expect(missing.run.statusReason).toContain(
      "step 'report' reads the output of step 'load[a]', which is not selected and no earlier run provides",
    );
    expect(starts(missing.events)).toEqual([]);
  });

  it('maps inside a map: steps keyed by both items, collected at each level', async () => {
    const r = await run(`nested${sfx}`, { ops: files(['a', 'b']) });
    expect(r.run.status).toBe('SUCCESS');
    expect(await r.output('all')).toEqual([
      ['proc[a][a-x]:a/a-x', 'proc[a][a-y]:a/a-y'],
      ['proc[b][b-x]:b/b-x', 'proc[b][b-y]:b/b-y'],
    ]);
    expect(starts(r.events).sort()).toEqual(
      [
        'list_files',
        'split[a]',
        'split[b]',
        'proc[a][a-x]',
        'proc[a][a-y]',
        'proc[b][b-x]',
        'proc[b][b-y]',
        'merge[a]',
        'merge[b]',
        'all',
      ].sort(),
    );
  });

  it('keys come from a key function, or the index for items that are not strings or numbers', async () => {
    const r = await run(`keys${sfx}`);
    expect(r.run.status).toBe('SUCCESS');
    expect(await r.output('gather')).toEqual({
      keyed: ['touch_keyed[r-1]=r-1', 'touch_keyed[r-2]=r-2', 'touch_keyed[r-3]=r-3'],
      indexed: ['touch[0]=r-1', 'touch[1]=r-2', 'touch[2]=r-3'],
    });
  });

  it('a list that cannot be mapped fails the step that returned it, with the reason', async () => {
    const dup = await run(`fanout${sfx}`, { ops: files(['a', 'b', 'a']) });
    expect(dup.run.status).toBe('FAILURE');
    expect(dup.outcome.failedSteps).toEqual(['list_files']);
    expect(dup.outcome.skippedSteps).toEqual(['report']);
    expect(dup.events.find((e) => e.type === 'STEP_FAILURE')?.message).toBe(
      `step 'list_files' failed: MapItemsError: map() over 'list_files': items 0 and 2 both have the key "a" (from the items); keys must be unique; give map() a key function ({ key: (item, index) => … })`,
    );
    const unsafe = await run(`fanout${sfx}`, { ops: files(['s3://bucket/a.csv']) });
    expect(unsafe.events.find((e) => e.type === 'STEP_FAILURE')?.message).toContain(
      `item 0 has the key "s3://bucket/a.csv" (from the items), which is not a safe step key`,
    );
    const limited = await run(`limited${sfx}`, { ops: files(['a', 'b', 'c', 'd']) });
    expect(limited.outcome.failedSteps).toEqual(['list_files']);
    expect(limited.events.find((e) => e.type === 'STEP_FAILURE')?.message).toBe(
      "step 'list_files' failed: MapItemsError: the map() over 'list_files' would add 4 mapped steps (4 items), bringing this run to 4, over its limit of 3; raise the job's maxMappedSteps or map fewer items",
    );
    expect(starts(limited.events)).toEqual(['list_files']);
  });
});
