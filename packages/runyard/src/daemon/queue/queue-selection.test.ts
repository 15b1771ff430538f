import { describe, expect, it } from 'vitest';
import {
  orderQueue,
  PRIORITY_TAG,
  type QueueLimits,
  type QueueRun,
  runPriority,
  selectRunsToLaunch,
} from './queue-selection.js';

let clock = 1_000;
const run = (runId: string, tags: Record<string, string> = {}, createdAt = clock++): QueueRun => ({
  runId,
  tags,
  createdAt,
});
const ids = (runs: readonly QueueRun[]) => runs.map((r) => r.runId);
const limits = (over: Partial<QueueLimits> = {}): QueueLimits => ({
  maxConcurrentRuns: -1,
  tagConcurrencyLimits: [],
  ...over,
});
const reasons = (selection: { waiting: readonly { run: QueueRun; reason: string }[] }) =>
  Object.fromEntries(selection.waiting.map((w) => [w.run.runId, w.reason]));

describe('selectRunsToLaunch', () => {
  it('launches everything when nothing limits it, oldest first', () => {
    const queued = [run('a'), run('b'), run('c')];
    const selection = selectRunsToLaunch(queued, [], limits());
    expect(ids(selection.toLaunch)).toEqual(['a', 'b', 'c']);
    expect(selection.waiting).toEqual([]);
  });

  it('never exceeds maxConcurrentRuns, counting runs in progress and runs chosen before', () => {
    const queued = [run('a'), run('b'), run('c'), run('d')];
    const selection = selectRunsToLaunch(queued, [run('busy')], limits({ maxConcurrentRuns: 3 }));
    expect(ids(selection.toLaunch)).toEqual(['a', 'b']);
    expect(reasons(selection)).toEqual({
      c: 'waiting: 3 of 3 runs in progress (maxConcurrentRuns)',
      d: 'waiting: 3 of 3 runs in progress (maxConcurrentRuns)',
    });
  });

  it('limits runs per launcher, and says which launcher a run waits for', () => {
    const gpu = { 'runyard/launcher': 'gpu' };
    const queued = [run('g1', gpu), run('l1', { 'runyard/launcher': 'local' }), run('g2', gpu), run('g3', gpu)];
    const selection = selectRunsToLaunch(queued, [run('busy', gpu)], limits({ launcherConcurrencyLimits: { gpu: 2 } }));
    expect(ids(selection.toLaunch)).toEqual(['g1', 'l1']);
    expect(reasons(selection)).toEqual({
      g2: 'waiting: launcher gpu has 2 of 2 runs in progress (launcherConcurrencyLimits)',
      g3: 'waiting: launcher gpu has 2 of 2 runs in progress (launcherConcurrencyLimits)',
    });
  });

  it('launches nothing with maxConcurrentRuns 0, and anything with -1', () => {
    const queued = [run('a'), run('b')];
    expect(selectRunsToLaunch(queued, [], limits({ maxConcurrentRuns: 0 })).toLaunch).toEqual([]);
    const unlimited = selectRunsToLaunch(
      queued,
      Array.from({ length: 50 }, (_, i) => run(`p${i}`)),
      limits(),
    );
    expect(ids(unlimited.toLaunch)).toEqual(['a', 'b']);
  });

  it('says so when more runs are in progress than the limit allows (the limit was lowered)', () => {
    const selection = selectRunsToLaunch(
      [run('a')],
      [run('p1'), run('p2'), run('p3')],
      limits({ maxConcurrentRuns: 2 }),
    );
    expect(reasons(selection)).toEqual({ a: 'waiting: 3 of 2 runs in progress (maxConcurrentRuns)' });
  });

  it('applies a tag limit with a value only to runs with that value', () => {
    const queued = [run('d1', { team: 'data' }), run('d2', { team: 'data' }), run('m1', { team: 'ml' }), run('x')];
    const selection = selectRunsToLaunch(
      queued,
      [],
      limits({ tagConcurrencyLimits: [{ key: 'team', value: 'data', limit: 1 }] }),
    );
    expect(ids(selection.toLaunch)).toEqual(['d1', 'm1', 'x']);
    expect(reasons(selection)).toEqual({ d2: 'waiting: tag team=data has 1 of 1 runs in progress' });
  });

  it('counts in-progress runs against tag limits', () => {
    const queued = [run('d1', { team: 'data' }), run('m1', { team: 'ml' })];
    const inProgress = [run('busy', { team: 'data' })];
    const selection = selectRunsToLaunch(
      queued,
      inProgress,
      limits({ tagConcurrencyLimits: [{ key: 'team', value: 'data', limit: 1 }] }),
    );
    expect(ids(selection.toLaunch)).toEqual(['m1']);
    expect(reasons(selection)).toEqual({ d1: 'waiting: tag team=data has 1 of 1 runs in progress' });
  });

  it('without a value, counts every value of the key together', () => {
    const queued = [run('d1', { team: 'data' }), run('m1', { team: 'ml' }), run('m2', { team: 'ml' }), run('x')];
    const selection = selectRunsToLaunch(queued, [], limits({ tagConcurrencyLimits: [{ key: 'team', limit: 2 }] }));
    expect(ids(selection.toLaunch)).toEqual(['d1', 'm1', 'x']);
    expect(reasons(selection)).toEqual({ m2: 'waiting: tag team (any value) has 2 of 2 runs in progress' });
  });

  it('with perUniqueValue, gives each value its own limit', () => {
    const queued = [
      run('a1', { customer: 'a' }),
      run('a2', { customer: 'a' }),
      run('b1', { customer: 'b' }),
      run('b2', { customer: 'b' }),
      run('c1', { customer: 'c' }),
    ];
    const inProgress = [run('busy-c', { customer: 'c' })];
    const selection = selectRunsToLaunch(
      queued,
      inProgress,
      limits({ tagConcurrencyLimits: [{ key: 'customer', limit: 1, perUniqueValue: true }] }),
    );
    expect(ids(selection.toLaunch)).toEqual(['a1', 'b1']);
    expect(reasons(selection)).toEqual({
      a2: 'waiting: tag customer=a has 1 of 1 runs in progress',
      b2: 'waiting: tag customer=b has 1 of 1 runs in progress',
      c1: 'waiting: tag customer=c has 1 of 1 runs in progress',
    });
  });

  it('lets later runs pass a run blocked by a tag limit, up to the global limit', () => {
    const queued = [run('d1', { team: 'data' }), run('d2', { team: 'data' }), run('x1'), run('x2'), run('x3')];
    const selection = selectRunsToLaunch(
      queued,
      [],
      limits({ maxConcurrentRuns: 3, tagConcurrencyLimits: [{ key: 'team', value: 'data', limit: 1 }] }),
    );
    expect(ids(selection.toLaunch)).toEqual(['d1', 'x1', 'x2']);
    expect(reasons(selection)).toEqual({
      d2: 'waiting: 3 of 3 runs in progress (maxConcurrentRuns); tag team=data has 1 of 1 runs in progress',
      x3: 'waiting: 3 of 3 runs in progress (maxConcurrentRuns)',
    });
  });

  it('applies every limit that concerns a run', () => {
    const queued = [run('both', { team: 'data', customer: 'a' }), run('other', { team: 'ml', customer: 'a' })];
    const selection = selectRunsToLaunch(
      queued,
      [run('busy', { customer: 'a', team: 'ml' })],
      limits({
        tagConcurrencyLimits: [
          { key: 'team', value: 'data', limit: 5 },
          { key: 'customer', limit: 2, perUniqueValue: true },
        ],
      }),
    );
    expect(ids(selection.toLaunch)).toEqual(['both']);
    expect(reasons(selection)).toEqual({ other: 'waiting: tag customer=a has 2 of 2 runs in progress' });
  });

  it('a tag limit of 0 holds those runs back for good', () => {
    const selection = selectRunsToLaunch(
      [run('p', { paused: 'yes' }), run('q')],
      [],
      limits({ tagConcurrencyLimits: [{ key: 'paused', limit: 0 }] }),
    );
    expect(ids(selection.toLaunch)).toEqual(['q']);
    expect(reasons(selection)).toEqual({ p: 'waiting: tag paused (any value) has 0 of 0 runs in progress' });
  });

  it('goes by priority, then by submission, and with a limit of 1 launches the highest first', () => {
    const queued = [
      run('none-old'),
      run('minus', { [PRIORITY_TAG]: '-1' }),
      run('five-old', { [PRIORITY_TAG]: '5' }),
      run('bad', { [PRIORITY_TAG]: 'high' }),
      run('five-new', { [PRIORITY_TAG]: '5' }),
      run('two', { [PRIORITY_TAG]: '+2' }),
    ];
    expect(ids(orderQueue(queued))).toEqual(['five-old', 'five-new', 'two', 'none-old', 'bad', 'minus']);
    const selection = selectRunsToLaunch(queued, [], limits({ maxConcurrentRuns: 1 }));
    expect(ids(selection.toLaunch)).toEqual(['five-old']);
    expect(ids(selection.waiting.map((w) => w.run))).toEqual(['five-new', 'two', 'none-old', 'bad', 'minus']);
    expect(reasons(selection).bad).toBe(
      'waiting: 1 of 1 runs in progress (maxConcurrentRuns); tag runyard/priority="high" is not an integer, so it counts as 0',
    );
  });

  it('keeps submission order for runs created in the same millisecond', () => {
    const queued = [run('first', {}, 5), run('second', {}, 5), run('third', {}, 5)];
    expect(ids(orderQueue(queued))).toEqual(['first', 'second', 'third']);
  });
});

describe('runPriority', () => {
  it('reads integers, negative ones too, and counts anything else as 0 with a reason', () => {
    expect(runPriority({})).toEqual({ priority: 0 });
    expect(runPriority({ [PRIORITY_TAG]: '10' })).toEqual({ priority: 10 });
    expect(runPriority({ [PRIORITY_TAG]: ' -3 ' })).toEqual({ priority: -3 });
    for (const bad of ['1.5', '', 'ten', '1e3', '99999999999999999999']) {
      const parsed = runPriority({ [PRIORITY_TAG]: bad });
      expect(parsed.priority).toBe(0);
      expect(parsed.problem).toContain('is not an integer');
    }
  });
});
