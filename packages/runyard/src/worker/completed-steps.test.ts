import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryIOManager } from '../engine/io-manager.js';
import type { RunRecord } from '../runs/run-record.js';
import { SqliteStorage } from '../storage/sqlite/sqlite-storage.js';
import { completedStepsForRun } from './completed-steps.js';

let storage: SqliteStorage;
let io: InMemoryIOManager;
const ORIGIN = { codeLocation: '/defs.ts', source: 'test' };

beforeEach(async () => {
  storage = await SqliteStorage.open({ path: ':memory:' });
  io = new InMemoryIOManager();
});
afterEach(async () => {
  await storage.dispose();
});

/** A run whose `succeeded` steps have STEP_SUCCESS and a stored output (unless listed in `lost`). */
async function runWith(
  runId: string,
  succeeded: string[],
  link: { parent?: RunRecord; reexecution?: string; selected?: string } = {},
  lost: string[] = [],
): Promise<RunRecord> {
  const run = await storage.runs.createRun({
    runId,
    jobName: 'j',
    origin: ORIGIN,
    ...(link.parent ? { parentRunId: link.parent.runId, rootRunId: link.parent.rootRunId ?? link.parent.runId } : {}),
    tags: {
      ...(link.reexecution ? { 'runyard/reexecution': link.reexecution } : {}),
      ...(link.selected !== undefined ? { 'runyard/selected_steps': link.selected } : {}),
    },
  });
  for (const step of succeeded) {
    await storage.events.appendEvents([{ runId, type: 'STEP_SUCCESS', stepKey: step }]);
    if (!lost.includes(step)) io.storeOutput({ runId, stepKey: step }, `${step} of ${runId}`);
  }
  return run;
}

describe('completedStepsForRun', () => {
  it('gives a fresh run nothing, and a resumed one what it completed itself', async () => {
    const run = await runWith('r1', ['a', 'b'], {}, ['b']);
    expect(await completedStepsForRun(storage, run, io)).toEqual(new Map());
    expect(await completedStepsForRun(storage, run, io, { resume: true })).toEqual(new Map([['a', 'r1']]));
  });

  it('gives a retry from failure the steps its parent completed, read from the parent', async () => {
    const parent = await runWith('p', ['extract', 'transform']);
    const retry = await runWith('r', [], { parent, reexecution: 'from-failure' });
    expect(await completedStepsForRun(storage, retry, io)).toEqual(
      new Map([
        ['extract', 'p'],
        ['transform', 'p'],
      ]),
    );
    const allSteps = await runWith('r2', [], { parent, reexecution: 'all-steps' });
    expect(await completedStepsForRun(storage, allSteps, io)).toEqual(new Map());
  });

  it('follows a chain of retries from failure, each step from the latest run that made it', async () => {
    const root = await runWith('root', ['a', 'b'], {}, ['b']);
    const first = await runWith('first', ['b', 'c'], { parent: root, reexecution: 'from-failure' });
    const second = await runWith('second', ['d'], { parent: first, reexecution: 'from-failure' });
    const third = await runWith('third', [], { parent: second, reexecution: 'from-failure' });
    expect(await completedStepsForRun(storage, third, io)).toEqual(
      new Map([
        ['a', 'root'],
        ['b', 'first'],
        ['c', 'first'],
        ['d', 'second'],
      ]),
    );
    // An all-steps retry in the chain ran everything itself: nothing older is reused through it.
    const rerun = await runWith('rerun', ['a'], { parent: second, reexecution: 'all-steps' });
    const after = await runWith('after', [], { parent: rerun, reexecution: 'from-failure' });
    expect(await completedStepsForRun(storage, after, io)).toEqual(new Map([['a', 'rerun']]));
    // A resumed retry adds what it completed before its worker died.
    expect(
      await completedStepsForRun(
        storage,
        await runWith('resumed', ['e'], { parent: second, reexecution: 'from-failure' }),
        io,
        { resume: true },
      ),
    ).toEqual(
      new Map([
        ['a', 'root'],
        ['b', 'first'],
        ['c', 'first'],
        ['d', 'second'],
        ['e', 'resumed'],
      ]),
    );
  });

  it('reuses nothing from a parent that was deleted', async () => {
    const parent = await runWith('gone', ['a']);
    const retry = await runWith('orphan', [], { parent, reexecution: 'from-failure' });
    await storage.runs.deleteRun('gone');
    expect(await completedStepsForRun(storage, retry, io)).toEqual(new Map());
  });

  it('gives a run of selected steps what its parent has for the steps outside the selection, mapped ones too', async () => {
    const parent = await runWith('p', ['extract', 'load[a.csv]', 'load[b.csv]', 'report']);
    const child = await runWith('c', ['report'], { parent, reexecution: 'selection', selected: 'report' });
    expect(await completedStepsForRun(storage, child, io)).toEqual(
      new Map([
        ['extract', 'p'],
        ['load[a.csv]', 'p'],
        ['load[b.csv]', 'p'],
      ]),
    );
    // Resumed, it adds its own; through it, a later selection sees the newest of each.
    expect(await completedStepsForRun(storage, child, io, { resume: true })).toEqual(
      new Map([
        ['extract', 'p'],
        ['load[a.csv]', 'p'],
        ['load[b.csv]', 'p'],
        ['report', 'c'],
      ]),
    );
    const grandchild = await runWith('g', [], { parent: child, reexecution: 'selection', selected: 'load' });
    expect(await completedStepsForRun(storage, grandchild, io)).toEqual(
      new Map([
        ['extract', 'p'],
        ['report', 'c'],
      ]),
    );
  });
});
