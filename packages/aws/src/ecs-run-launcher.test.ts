import { InvalidConfigError } from 'runyard';
import { describe, expect, it } from 'vitest';
import { FakeEcs } from '../test/support/fake-ecs.js';
import { fakeLaunch, fakeRun } from '../test/support/launch-context.js';
import { EcsRunLauncher, type EcsRunLauncherConfig } from './index.js';

const fast = { attempts: 6, baseDelayMs: 1, maxDelayMs: 2 };
const base: EcsRunLauncherConfig = { cluster: 'runs', image: 'jobs:1', memory: 512, pollSeconds: 0.01 };

function launcher(ecs: FakeEcs, config: Partial<EcsRunLauncherConfig> = {}) {
  return new EcsRunLauncher({ ...base, ...config }, undefined, { ecs, retry: fast });
}

describe('EcsRunLauncher config', () => {
  it('refuses a config without a task definition or image, naming the key', () => {
    expect(() => new EcsRunLauncher({ cluster: 'runs' })).toThrow(/image: give either taskDefinition or image/);
    expect(
      () =>
        new EcsRunLauncher({
          image: 'x',
          launchType: 'FARGATE',
          capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }],
        }),
    ).toThrow(InvalidConfigError);
    expect(() => new EcsRunLauncher({ image: 'x', runTaskParameters: { cluster: 'other' } as never })).toThrow(
      /runTaskParameters/,
    );
  });

  it('is frozen with defaults filled in, and gives back the config as written', () => {
    const l = new EcsRunLauncher({ image: 'jobs:1' });
    expect(Object.isFrozen(l.config)).toBe(true);
    expect(l.config).toMatchObject({
      cluster: 'default',
      containerName: 'run',
      maxStartRetries: 3,
      stopTimeoutSeconds: 30,
    });
    expect(l.toConfig()).toEqual({ class: 'EcsRunLauncher', config: { image: 'jobs:1' } });
  });
});

describe('EcsRunLauncher launch', () => {
  it('records the task ARN before anything waits, with the worker command and run tags', async () => {
    const ecs = new FakeEcs();
    let describedBeforeRecord = -1;
    const { ctx, recorded } = fakeLaunch(fakeRun({ tags: { team: 'ml' } }), () => {
      describedBeforeRecord = ecs.count('describeTasks');
    });
    const ref = await launcher(ecs, { copyRunTags: ['team'], command: ['node', 'cli.js'] }).launchRun(ctx);
    expect(recorded).toEqual([ref]);
    expect(describedBeforeRecord).toBe(0);
    const input = [...ecs.tasks.values()][0]!.input as unknown as {
      overrides: { containerOverrides: { name: string; command: string[]; environment: { name: string }[] }[] };
      tags: { key: string; value: string }[];
    };
    expect(input.overrides.containerOverrides[0]).toMatchObject({
      name: 'run',
      command: ['node', 'cli.js', 'worker', 'execute-run', ctx.run.runId],
    });
    expect(input.overrides.containerOverrides[0]!.environment).toContainEqual({
      name: 'RUNYARD_INSTANCE',
      value: '{}',
    });
    expect(input.tags).toEqual(
      expect.arrayContaining([
        { key: 'team', value: 'ml' },
        { key: 'runyard.run-id', value: ctx.run.runId },
        { key: 'runyard.job-name', value: 'train' },
      ]),
    );
  });

  it('gives RunTask a client token from the run and attempt, so a retried call starts one task', async () => {
    const ecs = new FakeEcs();
    ecs.throttle.runTask = 0;
    const l = launcher(ecs);
    const first = await l.launchRun(fakeLaunch().ctx);
    // The same launch again (as a retried call would be): same token, same task.
    const again = await l.launchRun(fakeLaunch().ctx);
    expect(again.externalId).toBe(first.externalId);
    expect(ecs.tasks.size).toBe(1);
    const tokens = ecs.calls
      .filter((c) => c.name === 'runTask')
      .map((c) => (c.input as { clientToken: string }).clientToken);
    expect(tokens[0]).toBe(`${fakeRun().runId}-r0-s1`);
    // A resume is a new task.
    const resumed = await l.resumeRun({ ...fakeLaunch().ctx, resumeAttempt: 1 });
    expect(resumed.externalId).not.toBe(first.externalId);
  });

  it('a relaunch in place of a task that failed to start counts its start attempts on from that task, within maxStartRetries', async () => {
    const ecs = new FakeEcs();
    const l = launcher(ecs, { maxStartRetries: 2, startTimeoutSeconds: 0 });
    const first = await l.launchRun(fakeLaunch().ctx);
    const relaunched = await l.launchRun({ ...fakeLaunch().ctx, previousWorker: first });
    expect(relaunched).toMatchObject({ startAttempt: 2 });
    // A new token: ECS starts a new task rather than handing back the failed one.
    expect(relaunched.externalId).not.toBe(first.externalId);
    const last = await l.launchRun({ ...fakeLaunch().ctx, previousWorker: relaunched });
    expect(last).toMatchObject({ startAttempt: 3 });
    await expect(l.launchRun({ ...fakeLaunch().ctx, previousWorker: last })).rejects.toThrow(
      /no task of run \S+ started in 3 attempt\(s\) \(maxStartRetries 2\)/,
    );
    expect(ecs.count('runTask')).toBe(3);
  });

  it('registers one task definition per configuration and reuses it while the config matches', async () => {
    const ecs = new FakeEcs();
    const l = launcher(ecs);
    await l.launchRun(fakeLaunch(fakeRun({ runId: 'a' })).ctx);
    await l.launchRun(fakeLaunch(fakeRun({ runId: 'b' })).ctx);
    // Another process with the same config finds the definition instead of registering again.
    await launcher(ecs).launchRun(fakeLaunch(fakeRun({ runId: 'c' })).ctx);
    expect(ecs.count('registerTaskDefinition')).toBe(1);
    // A changed config is a new family.
    await launcher(ecs, { memory: 1024 }).launchRun(fakeLaunch(fakeRun({ runId: 'd' })).ctx);
    expect(ecs.count('registerTaskDefinition')).toBe(2);
    expect([...ecs.definitions.keys()].every((f) => /^runyard-train-[0-9a-f]{12}$/.test(f))).toBe(true);
  });

  it('two launchers racing to register end with one active revision, used by both', async () => {
    const ecs = new FakeEcs();
    const [a, b] = await Promise.all([
      launcher(ecs).launchRun(fakeLaunch(fakeRun({ runId: 'a' })).ctx),
      launcher(ecs).launchRun(fakeLaunch(fakeRun({ runId: 'b' })).ctx),
    ]);
    expect(ecs.count('registerTaskDefinition')).toBe(2); // the race did happen
    const [revisions] = [...ecs.definitions.values()];
    expect(revisions!.filter((d) => d.active).map((d) => d.revision)).toEqual([1]);
    expect((a as { taskDefinition?: string }).taskDefinition).toBe(revisions![0]!.arn);
    expect((b as { taskDefinition?: string }).taskDefinition).toBe(revisions![0]!.arn);
  });

  it('retries throttled calls with backoff', async () => {
    const ecs = new FakeEcs();
    ecs.throttle = { registerTaskDefinition: 2, runTask: 3 };
    await launcher(ecs).launchRun(fakeLaunch().ctx);
    expect(ecs.count('runTask')).toBe(4);
    expect(ecs.tasks.size).toBe(1);
  });

  it('returns as soon as the task ARN is recorded, while the task is still PENDING', async () => {
    const ecs = new FakeEcs();
    ecs.onRunTask = (task) => ({ ...task, lastStatus: 'PENDING' });
    const { ctx, recorded } = fakeLaunch();
    const l = launcher(ecs, { startTimeoutSeconds: 600 });
    const ref = await l.launchRun(ctx);
    expect(recorded).toEqual([ref]);
    // Nothing was asked of the task before launchRun returned: waiting for RUNNING is monitoring's job.
    expect(ecs.count('describeTasks')).toBe(0);
    expect(await l.checkRunWorkerHealth(fakeRun({ worker: ref }))).toMatchObject({
      status: 'UNKNOWN',
      transient: true,
    });
    await l.dispose(); // ends the start watch
  });

  it('a background watch replaces a task that failed to start for a passing reason, up to maxStartRetries', async () => {
    const ecs = new FakeEcs();
    let failures = 2;
    ecs.onRunTask = (task) =>
      failures-- > 0
        ? {
            ...task,
            lastStatus: 'STOPPED',
            stopCode: 'TaskFailedToStart',
            stoppedReason: 'Capacity is unavailable at this time.',
          }
        : { ...task, lastStatus: 'RUNNING' };
    const { ctx, recorded } = fakeLaunch();
    const l = launcher(ecs);
    const ref = await l.launchRun(ctx);
    expect(ref).toMatchObject({ startAttempt: 1 });
    await l.startWatchesSettled();
    expect(recorded.map((r) => (r as { startAttempt: number }).startAttempt)).toEqual([1, 2, 3]);
    expect(await l.checkRunWorkerHealth(fakeRun({ worker: recorded[2] }))).toMatchObject({ status: 'RUNNING' });

    const stuck = new FakeEcs();
    stuck.onRunTask = (task) => ({
      ...task,
      lastStatus: 'STOPPED',
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'ResourceInitializationError: timeout waiting for network interface provisioning',
    });
    const out = fakeLaunch();
    const limited = launcher(stuck, { maxStartRetries: 1 });
    await limited.launchRun(out.ctx);
    await limited.startWatchesSettled();
    expect(out.recorded).toHaveLength(2);
    // Out of attempts: the health answer is no longer retryable, so monitoring fails the run now.
    const health = await limited.checkRunWorkerHealth(fakeRun({ worker: out.recorded[1] }));
    expect(health).toMatchObject({ status: 'FAILED', failureClass: 'infra', retryable: false });
    expect(health.reason).toMatch(
      /ResourceInitializationError.*no task started in 2 attempt\(s\) \(maxStartRetries 1\)/,
    );
  });

  it('does not replace a task whose image cannot be pulled; its health says so, not retryable', async () => {
    const ecs = new FakeEcs();
    ecs.onRunTask = (task) => ({
      ...task,
      lastStatus: 'STOPPED',
      stopCode: 'TaskFailedToStart',
      containers: [{ name: 'run', reason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)' }],
    });
    const l = launcher(ecs);
    const ref = await l.launchRun(fakeLaunch().ctx);
    await l.startWatchesSettled();
    expect(ecs.count('runTask')).toBe(1);
    const health = await l.checkRunWorkerHealth(fakeRun({ worker: ref }));
    expect(health).toMatchObject({ status: 'FAILED', failureClass: 'image', retryable: false });
    expect(health.reason).toContain('CannotPullContainerError');
  });

  it('refuses a runyard/ecs override the instance does not allow, at submit time', () => {
    const l = launcher(new FakeEcs(), { allowRunOverrides: ['memory'] });
    expect(l.checkRunTags({ jobName: 'train', tags: { 'runyard/ecs': '{"memory":"4096"}' } })).toEqual([]);
    expect(l.checkRunTags({ jobName: 'train', tags: { 'runyard/ecs': '{"cpu":"2048"}' } })).toEqual([
      {
        path: 'runyard/ecs.cpu',
        message: "the instance does not allow runs to override 'cpu' (the run launcher's allowRunOverrides: memory)",
      },
    ]);
    expect(l.checkRunTags({ jobName: 'train', tags: { 'runyard/ecs': '{"image":"x"}' } })[0]?.message).toMatch(
      /unknown key/,
    );
  });

  it('checks health for many runs with one DescribeTasks per 100 tasks', async () => {
    const ecs = new FakeEcs();
    const l = launcher(ecs, { startTimeoutSeconds: 0 });
    const runs = [];
    for (let i = 0; i < 150; i++) {
      const { ctx } = fakeLaunch(fakeRun({ runId: `run-${i}` }));
      runs.push(fakeRun({ runId: `run-${i}`, worker: await l.launchRun(ctx) }));
    }
    const before = ecs.count('describeTasks');
    const health = await Promise.all(runs.map((r) => l.checkRunWorkerHealth(r)));
    expect(health.every((h) => h.status === 'RUNNING')).toBe(true);
    expect(ecs.count('describeTasks') - before).toBe(2);
  });

  it('a monitor checking runs one by one costs one DescribeTasks sweep per 100 runs per tick', async () => {
    const ecs = new FakeEcs();
    const launching = launcher(ecs, { startTimeoutSeconds: 0 });
    const runs = [];
    for (let i = 0; i < 150; i++) {
      const { ctx } = fakeLaunch(fakeRun({ runId: `run-${i}` }));
      runs.push(fakeRun({ runId: `run-${i}`, worker: await launching.launchRun(ctx) }));
    }
    // The daemon's own launcher, in another process: it learns the tasks from the checks.
    const monitoring = launcher(ecs, { healthCacheMs: 200 });
    const tick = async () => {
      const before = ecs.count('describeTasks');
      for (const run of runs) expect((await monitoring.checkRunWorkerHealth(run)).status).toBe('RUNNING');
      return ecs.count('describeTasks') - before;
    };
    await tick();
    await new Promise((r) => setTimeout(r, 250));
    expect(await tick()).toBe(2);
  });

  it('with startTimeoutSeconds 0 a launch returns once RunTask answers, without waiting for the task', async () => {
    const ecs = new FakeEcs();
    ecs.onRunTask = (task) => ({ ...task, lastStatus: 'PROVISIONING' });
    const ref = await launcher(ecs, { startTimeoutSeconds: 0 }).launchRun(fakeLaunch().ctx);
    expect(ref.externalId).toMatch(/task\/runs\//);
    expect(ecs.count('describeTasks')).toBe(0);
  });
});
