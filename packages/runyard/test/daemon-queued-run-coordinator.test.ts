import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { QueuedRunCoordinator } from '../src/coordinator/queued-run-coordinator.js';
import { queuedRunCoordinatorConfigSchema } from '../src/coordinator/queued-run-coordinator-schema.js';
import { createQueueDaemon, QueueDaemon } from '../src/daemon/queue/queue-daemon.js';
import { Instance, type RunRecord } from '../src/index.js';
import { expectUserError, repoRoot, runCli, tempHome } from './cli-helpers.js';
import { QUEUE_JOBS, QUEUED_COORDINATOR_MODULE_REF, QUEUED_COORDINATOR_REF } from './fixtures/queue-harness.js';

/**
 * The QueuedRunCoordinator and one queue pass (QueueDaemon.dequeue) in this process, with a
 * launcher that starts nothing (fixtures/recording-run-launcher.js): config checks, what submit
 * does, and the races a pass must survive. The real daemon and workers are in daemon-queue-*.test.ts.
 */

const RECORDING_LAUNCHER = {
  module: path.join(repoRoot, 'packages/runyard/test/fixtures/recording-run-launcher.js'),
  class: 'RecordingRunLauncher',
};

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function homeWith(config: Record<string, unknown>): string {
  const home = tempHome();
  writeFileSync(path.join(home, 'runyard.yaml'), stringify(config));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  return home;
}

function queuedHome(
  queue: Record<string, unknown> = {},
  launcher: Record<string, unknown> = RECORDING_LAUNCHER,
): string {
  return homeWith({ runCoordinator: { ...QUEUED_COORDINATOR_REF, config: queue }, runLauncher: launcher });
}

async function open(home: string): Promise<Instance> {
  const instance = await Instance.open({ home });
  cleanups.push(() => instance.dispose());
  return instance;
}

const submit = (instance: Instance, tags: Record<string, string> = {}) =>
  instance.submitRun({ jobName: 'one_op', tags, origin: { codeLocation: QUEUE_JOBS, source: 'api' } });

async function queueDaemon(instance: Instance): Promise<QueueDaemon> {
  const daemon = await createQueueDaemon(instance);
  if (!(daemon instanceof QueueDaemon)) throw new Error('expected a queue daemon');
  return daemon;
}

const startingEvents = async (instance: Instance, runId: string) =>
  (await instance.storage.events.getEvents(runId, { types: ['RUN_STARTING'] })).length;

describe('QueuedRunCoordinator', () => {
  it('queues a submitted run with a reason and launches nothing', async () => {
    const instance = await open(queuedHome());
    const run = await submit(instance);
    expect(run).toMatchObject({ status: 'QUEUED', statusReason: 'waiting for the run queue' });
    const events = await instance.storage.events.getEvents(run.runId);
    expect(events.map((e) => e.type)).toEqual(['RUN_ENQUEUED']);
    expect((await instance.storage.runs.getRun(run.runId))?.worker).toBeUndefined();
  });

  it('`job launch` prints the queued run; the reason is in its --json', async () => {
    const home = queuedHome();
    const result = await runCli(['job', 'launch', '-f', QUEUE_JOBS, '-j', 'one_op', '--json'], { home });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'QUEUED', statusReason: 'waiting for the run queue' });
  });

  it('fills in defaults, in code and from runyard.yaml alike', async () => {
    const defaults = {
      maxConcurrentRuns: 10,
      tagConcurrencyLimits: [],
      launcherConcurrencyLimits: {},
      dequeueIntervalMs: 1000,
      dequeueParallelism: 4,
    };
    expect(new QueuedRunCoordinator().settings).toEqual(defaults);
    expect(queuedRunCoordinatorConfigSchema.parse(undefined)).toEqual(defaults);
    expect(Object.isFrozen(new QueuedRunCoordinator().settings)).toBe(true);
    const instance = await open(
      queuedHome({ maxConcurrentRuns: -1, tagConcurrencyLimits: [{ key: 'team', limit: 2 }] }),
    );
    const coordinator = (await instance.coordinator()) as QueuedRunCoordinator;
    expect(coordinator.settings).toEqual({
      ...defaults,
      maxConcurrentRuns: -1,
      tagConcurrencyLimits: [{ key: 'team', limit: 2 }],
    });
    // Written back as it was written, so a run worker rebuilds the same instance.
    expect(instance.toConfig().runCoordinator).toMatchObject({ ...QUEUED_COORDINATOR_REF });
    expect(new QueuedRunCoordinator({ maxConcurrentRuns: 2 }).toConfig()).toEqual({
      class: 'QueuedRunCoordinator',
      config: { ...defaults, maxConcurrentRuns: 2 },
    });
  });

  it('refuses bad config at load, naming each key, and writes nothing', async () => {
    const home = queuedHome({
      maxConcurrentRuns: -2,
      dequeueParallelism: 0,
      dequeueIntervalMs: 'fast',
      tagConcurrencyLimits: [
        { key: 'team', value: 'data', limit: 1, perUniqueValue: true },
        { key: 'customer', limit: 1.5 },
      ],
      maxRuns: 3,
    });
    const result = await runCli(['run', 'list'], { home });
    expectUserError(result, 'runCoordinator.config.maxConcurrentRuns: expected a whole number ≥ 0, or -1 for no limit');
    for (const line of [
      'runCoordinator.config.dequeueParallelism: expected a whole number ≥ 1',
      'runCoordinator.config.dequeueIntervalMs: expected a whole number of milliseconds ≥ 1',
      'runCoordinator.config.tagConcurrencyLimits[0].perUniqueValue: perUniqueValue gives each value of the key its own limit',
      'runCoordinator.config.tagConcurrencyLimits[1].limit: expected a whole number ≥ 0',
      'runCoordinator.config.maxRuns',
    ])
      expect(result.stderr).toContain(line);
    expect(existsSync(path.join(home, 'runyard.db'))).toBe(false);
  });
});

describe('QueuedRunCoordinator named in runyard.yaml', () => {
  it.each([
    ['by class alone, as a built-in', { class: 'QueuedRunCoordinator' }],
    ['by module and class', QUEUED_COORDINATOR_MODULE_REF],
  ])('%s: validated, created, written back, and rebuilt the same by a run worker', async (_how, ref) => {
    const written = { ...ref, config: { maxConcurrentRuns: 3, tagConcurrencyLimits: [{ key: 'team', limit: 1 }] } };
    const instance = await open(homeWith({ runCoordinator: written }));
    const coordinator = await instance.coordinator();
    expect(coordinator.constructor.name).toBe('QueuedRunCoordinator');
    const settings = {
      maxConcurrentRuns: 3,
      tagConcurrencyLimits: [{ key: 'team', limit: 1 }],
      launcherConcurrencyLimits: {},
      dequeueIntervalMs: 1000,
      dequeueParallelism: 4,
    };
    expect((coordinator as QueuedRunCoordinator).settings).toEqual(settings);
    expect(instance.toConfig().runCoordinator).toEqual(written);
    expect((await instance.info()).runCoordinator).toBe('QueuedRunCoordinator');
    // A worker rebuilds the instance from its serialized form (trusted: the schema may be skipped).
    const rebuilt = await Instance.fromSerialized(instance.serialize());
    cleanups.push(() => rebuilt.dispose());
    expect(((await rebuilt.coordinator()) as QueuedRunCoordinator).settings).toEqual(settings);
    expect((await queueDaemon(rebuilt)).intervalMs).toBe(1000);

    const bad = homeWith({ runCoordinator: { ...ref, config: { maxConcurrentRuns: 'lots' } } });
    await expect(Instance.open({ home: bad })).rejects.toThrow(
      'runCoordinator.config.maxConcurrentRuns: expected a whole number ≥ 0, or -1 for no limit',
    );
  });
});

describe('createQueueDaemon', () => {
  it('gives a queue daemon only for a queued coordinator, ticking at dequeueIntervalMs', async () => {
    expect(await createQueueDaemon(await open(homeWith({})))).toBeUndefined();
    const daemon = await queueDaemon(await open(queuedHome({ dequeueIntervalMs: 250 })));
    expect(daemon.type).toBe('QUEUE');
    expect(daemon.intervalMs).toBe(250);
  });
});

describe('one pass over the queue', () => {
  it('skips a run cancelled after the queue was read, without an error, and keeps its reason', async () => {
    const instance = await open(queuedHome({ maxConcurrentRuns: 1 }));
    const [first, second] = [await submit(instance), await submit(instance)] as RunRecord[];
    if (!first || !second) throw new Error('two runs were submitted');
    // The cancel lands between the pass reading the queue and its launch, as a racing `run terminate` would.
    const racing = {
      storage: instance.storage,
      async launchRun(runId: string) {
        await instance.terminateRun(runId);
        return instance.launchRun(runId);
      },
    } as unknown as Instance;
    const result = await (await queueDaemon(instance)).dequeue(racing);
    expect(result.launched).toEqual([]);
    expect(result.skipped).toEqual([first.runId]);
    expect(await instance.storage.runs.getRun(first.runId)).toMatchObject({
      status: 'CANCELED',
      statusReason: 'cancelled before it was launched',
    });
    // The second run was counted behind the first: it waits, with that reason.
    expect(await instance.storage.runs.getRun(second.runId)).toMatchObject({
      status: 'QUEUED',
      statusReason: 'waiting: 1 of 1 runs in progress (maxConcurrentRuns)',
    });
    // The next pass sees the slot free.
    expect((await (await queueDaemon(instance)).dequeue(instance)).launched).toEqual([second.runId]);
  });

  it('two daemons racing over the same queue launch each run exactly once', async () => {
    const home = queuedHome({ maxConcurrentRuns: -1, dequeueParallelism: 3 });
    const one = await open(home);
    const two = await open(home);
    const runs: RunRecord[] = [];
    for (let i = 0; i < 12; i++) runs.push(await submit(one));
    const [a, b] = await Promise.all([(await queueDaemon(one)).dequeue(one), (await queueDaemon(two)).dequeue(two)]);
    const launched = [...a.launched, ...b.launched];
    expect(launched.sort()).toEqual(runs.map((r) => r.runId).sort());
    // Whatever the interleaving: a run one daemon launched, the other skipped or never saw.
    expect(a.launched.filter((id) => b.launched.includes(id))).toEqual([]);
    for (const run of runs) {
      expect(await startingEvents(one, run.runId)).toBe(1);
      expect((await one.storage.runs.getRun(run.runId))?.worker).toMatchObject({ launcher: 'RecordingRunLauncher' });
    }
  });

  it('stops launching when the daemon shuts down; the rest stay queued for the next pass', async () => {
    const instance = await open(queuedHome({ maxConcurrentRuns: -1, dequeueParallelism: 1 }));
    const runs: RunRecord[] = [];
    for (let i = 0; i < 4; i++) runs.push(await submit(instance));
    const controller = new AbortController();
    const stopping = {
      storage: instance.storage,
      async launchRun(runId: string) {
        controller.abort();
        return instance.launchRun(runId);
      },
    } as unknown as Instance;
    const result = await (await queueDaemon(instance)).dequeue(stopping, controller.signal);
    expect(result.launched).toEqual([runs[0]?.runId]);
    const statuses = await Promise.all(runs.map(async (r) => (await instance.storage.runs.getRun(r.runId))?.status));
    expect(statuses).toEqual(['STARTING', 'QUEUED', 'QUEUED', 'QUEUED']);
  });

  it('launches what it can, writes reasons, and then throws when a launch fails for another reason', async () => {
    const instance = await open(queuedHome({ maxConcurrentRuns: 2 }));
    const runs: RunRecord[] = [];
    for (let i = 0; i < 3; i++) runs.push(await submit(instance));
    const broken = {
      storage: instance.storage,
      async launchRun(runId: string) {
        if (runId === runs[0]?.runId) throw new Error('storage went away');
        return instance.launchRun(runId);
      },
    } as unknown as Instance;
    await expect((await queueDaemon(instance)).dequeue(broken)).rejects.toThrow(
      `could not launch 1 of 2 run(s), e.g. ${runs[0]?.runId}: Error: storage went away`,
    );
    expect((await instance.storage.runs.getRun(runs[1]?.runId as string))?.status).toBe('STARTING');
    expect((await instance.storage.runs.getRun(runs[2]?.runId as string))?.statusReason).toBe(
      'waiting: 2 of 2 runs in progress (maxConcurrentRuns)',
    );
  });

  it('while the limit is reached, reads the whole queue again only when the queue or the runs in progress changed', async () => {
    const instance = await open(queuedHome({ maxConcurrentRuns: 1 }));
    const fullReads: string[] = [];
    const runs = new Proxy(instance.storage.runs, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (key !== 'listRuns') return typeof value === 'function' ? value.bind(target) : value;
        return (options: { statuses?: string[]; limit?: number } = {}) => {
          if (options.statuses?.includes('QUEUED') && options.limit === undefined) fullReads.push('read');
          return target.listRuns(options as never);
        };
      },
    });
    const counted = {
      storage: { ...instance.storage, runs },
      launchRun: (id: string) => instance.launchRun(id),
    } as unknown as Instance;
    const daemon = await queueDaemon(instance);
    const pass = async () => {
      fullReads.length = 0;
      const result = await daemon.dequeue(counted);
      return { launched: result.launched.length, fullReads: fullReads.length };
    };
    const a = await submit(instance);
    const b = await submit(instance);

    expect(await pass()).toEqual({ launched: 1, fullReads: 1 }); // a goes; the recording launcher leaves it STARTING
    expect(await pass()).toEqual({ launched: 0, fullReads: 1 }); // the limit is reached: reasons checked once more
    expect(await pass()).toEqual({ launched: 0, fullReads: 0 }); // nothing changed since
    expect(await pass()).toEqual({ launched: 0, fullReads: 0 });

    const c = await submit(instance); // a new run needs its reason
    expect(await pass()).toEqual({ launched: 0, fullReads: 1 });
    expect((await instance.storage.runs.getRun(c.runId))?.statusReason).toBe(
      'waiting: 1 of 1 runs in progress (maxConcurrentRuns)',
    );
    expect(await pass()).toEqual({ launched: 0, fullReads: 0 });

    await instance.terminateRun(b.runId); // a queued run leaves
    expect(await pass()).toEqual({ launched: 0, fullReads: 1 });

    await instance.terminateRun(a.runId, { force: true }); // the slot frees: c goes
    expect(await pass()).toEqual({ launched: 1, fullReads: 1 });
    expect((await instance.storage.runs.getRun(c.runId))?.status).toBe('STARTING');
  });

  it('writes a reason only when it changed', async () => {
    const instance = await open(queuedHome({ maxConcurrentRuns: 0 }));
    const run = await submit(instance);
    const daemon = await queueDaemon(instance);
    await daemon.dequeue(instance);
    const first = await instance.storage.runs.getRun(run.runId);
    expect(first?.statusReason).toBe('waiting: 0 of 0 runs in progress (maxConcurrentRuns)');
    await daemon.dequeue(instance);
    expect((await instance.storage.runs.getRun(run.runId))?.updatedAt).toBe(first?.updatedAt);
  });
});
