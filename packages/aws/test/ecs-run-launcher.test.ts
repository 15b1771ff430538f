import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type CodeLocation, type Instance, loadCodeLocation } from 'runyard';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor, waitForStatus } from '../../docker/test/support/waits.js';
import { runCli } from '../../runyard/test/cli-helpers.js';
import type { EcsRunLauncher } from '../src/index.js';
import { FAULT_TAG } from './ecs-agent/ecs-agent.js';
import {
  CLUSTER,
  describeWithDocker,
  type EcsWorld,
  openEcsInstance,
  REPO,
  startEcsWorld,
  startMonitoring,
  taskArn,
} from './support/ecs-harness.js';

const JOBS = path.join(REPO, 'packages/docker/test/fixtures/docker-jobs.ts');
const CONFORMANCE = path.join(REPO, 'packages/testing/fixtures/conformance-jobs.ts');
const AWS_JOBS = path.join(REPO, 'packages/aws/test/fixtures/aws-jobs.ts');
const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length : 0);

describeWithDocker('EcsRunLauncher on moto, with the test agent running tasks on a real Docker engine', () => {
  let world: EcsWorld;
  let location: CodeLocation;
  let conformance: CodeLocation;
  let awsJobs: CodeLocation;
  const disposers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    world = await startEcsWorld();
    location = await loadCodeLocation(JOBS);
    conformance = await loadCodeLocation(CONFORMANCE);
    awsJobs = await loadCodeLocation(AWS_JOBS);
  });
  afterAll(async () => {
    for (const dispose of disposers) await dispose();
    await world?.stop();
  });

  async function open(config: Parameters<typeof openEcsInstance>[1] = {}, extra: Record<string, unknown> = {}) {
    const setup = await openEcsInstance(world, config, extra);
    disposers.push(() => setup.dispose());
    return setup;
  }
  const submit = (instance: Instance, jobName: string, tags: Record<string, string> = {}) =>
    instance.submitJobRun({ job: location.getJob(jobName), codeLocation: JOBS, source: 'api', tags });
  const containerLogs = async (arn: string) => {
    const container = world.agent.containerOf(arn);
    if (!container) return `no container for ${arn}`;
    const info = await container.inspect();
    const logs = await container.logs({ stdout: true, stderr: true, follow: false, tail: 40 });
    return `task ${JSON.stringify(await describeTask(arn))}\ncontainer ${JSON.stringify(info.State)} ${JSON.stringify(info.Config.Cmd)}\n${logs.toString()}`;
  };
  const inner = async (instance: Instance) => (await instance.launcher()).inner as EcsRunLauncher;
  const describeTask = async (arn: string) =>
    (await world.ecs.describeTasks({ cluster: CLUSTER, tasks: [arn], include: ['TAGS'] })).tasks?.[0];

  it('runs the worker as an ECS task tagged with the run; the health check reads how it ended; runs share one task definition', async () => {
    const { instance } = await open();
    const first = await submit(instance, 'hello');
    expect(first.worker).toMatchObject({ launcher: 'EcsRunLauncher', cluster: CLUSTER, containerName: 'run' });
    const run = await waitForStatus(instance, first.runId, ['SUCCESS', 'FAILURE']).catch(async (e) => {
      throw new Error(`${e.message}\nagent: ${world.agent.errors.join('\n')}\n${await containerLogs(taskArn(first))}`);
    });
    expect(run.status).toBe('SUCCESS');
    const task = await describeTask(taskArn(run));
    expect(task?.tags).toEqual(
      expect.arrayContaining([
        { key: 'runyard.run-id', value: run.runId },
        { key: 'runyard.job-name', value: 'hello' },
      ]),
    );
    const launcher = await instance.launcher();
    await waitFor('the task to be STOPPED', async () =>
      (await describeTask(taskArn(run)))?.lastStatus === 'STOPPED' ? true : undefined,
    );
    expect(await launcher.checkHealth(run)).toMatchObject({ status: 'SUCCESS', exitCode: 0 });
    const second = await waitForStatus(instance, (await submit(instance, 'hello')).runId, ['SUCCESS', 'FAILURE']);
    expect((second.worker as { taskDefinition?: string }).taskDefinition).toBe(
      (run.worker as { taskDefinition?: string }).taskDefinition,
    );
    expect((await inner(instance)).taskDefinitions.registrations).toBe(1);
  });

  const stopped = (arn: string) =>
    waitFor('the task to be STOPPED', async () => {
      const task = await describeTask(arn);
      return task?.lastStatus === 'STOPPED' ? task : undefined;
    });

  it('a worker over its memory limit (a runyard/ecs override) is diagnosed as out of memory', async () => {
    const { instance } = await open({ allowRunOverrides: ['memory'] });
    const run = await submit(instance, 'memory_hog', { 'runyard/ecs': '{"memory":"96"}' });
    await stopped(taskArn(run));
    const launcher = await inner(instance);
    const health = await launcher.checkRunWorkerHealth(await instance.storage.runs.getRun(run.runId).then((r) => r!));
    expect(health).toMatchObject({ status: 'FAILED', exitCode: 137, failureClass: 'oom', retryable: false });
    expect(health.reason).toContain('OutOfMemoryError');
    const debug = await launcher.debugInfo(run);
    expect(debug).toContain('stop code: EssentialContainerExited');
    expect(debug).toContain('container run: STOPPED, exit code 137, reason: OutOfMemoryError');
  });

  /** Run monitoring for the instance while `body` runs, as `runyard daemon` would run it. */
  async function monitored<T>(instance: Instance, body: () => Promise<T>): Promise<T> {
    const monitor = startMonitoring(instance);
    try {
      return await body();
    } finally {
      await monitor.stop();
    }
  }
  const tasksOfRun = async (runId: string) => {
    const { taskArns = [] } = await world.ecs.listTasks({ cluster: CLUSTER });
    const tasks = (await world.ecs.describeTasks({ cluster: CLUSTER, tasks: taskArns, include: ['TAGS'] })).tasks ?? [];
    return tasks.filter((t) => t.tags?.some((tag) => tag.key === 'runyard.run-id' && tag.value === runId));
  };

  it('a task that failed to start for lack of capacity is replaced by the start watch, and the run then succeeds', async () => {
    const { instance } = await open();
    const run = await submit(instance, 'hello', { [FAULT_TAG]: 'capacity:2' });
    // The launch returned with the first task recorded; the watch replaced it twice.
    expect(run.worker).toMatchObject({ startAttempt: 1 });
    const done = await monitored(instance, () => waitForStatus(instance, run.runId, ['SUCCESS', 'FAILURE']));
    expect(done.status).toBe('SUCCESS');
    expect(done.worker).toMatchObject({ startAttempt: 3 });
    await stopped(taskArn(done));
    expect((await tasksOfRun(run.runId)).map((t) => t.stopCode).sort()).toEqual([
      'EssentialContainerExited',
      'TaskFailedToStart',
      'TaskFailedToStart',
    ]);
  });

  it('a network interface that keeps timing out fails the run after maxStartRetries, saying why', async () => {
    const { instance } = await open({ maxStartRetries: 1 });
    const run = await submit(instance, 'hello', { [FAULT_TAG]: 'eni' });
    const failed = await monitored(instance, () => waitForStatus(instance, run.runId, ['FAILURE', 'SUCCESS']));
    expect(failed.status).toBe('FAILURE');
    expect(failed.statusReason).toMatch(
      /cannot start: the platform failed the worker \(infra\).*ResourceInitializationError.*no task started in 2 attempt\(s\) \(maxStartRetries 1\)/,
    );
  });

  it('an image that cannot be pulled fails the run at once (run monitoring, cannot_start), without a relaunch', async () => {
    const { instance } = await open();
    const run = await submit(instance, 'hello', { [FAULT_TAG]: 'image' });
    const failed = await monitored(instance, () => waitForStatus(instance, run.runId, ['FAILURE', 'SUCCESS']));
    expect(failed.statusReason).toContain("the worker's image cannot be pulled (image)");
    expect(failed.statusReason).toContain('CannotPullContainerError');
    expect(failed.worker).toMatchObject({ startAttempt: 1 });
    expect(await tasksOfRun(run.runId)).toHaveLength(1);
  });

  it('a Fargate Spot interruption is reported as preempted and retryable, not as a failure of the code', async () => {
    const { instance, scratch } = await open();
    const run = await instance.submitJobRun({
      job: conformance.getJob('waits'),
      codeLocation: CONFORMANCE,
      source: 'api',
      tags: { [FAULT_TAG]: 'spot' },
      runConfig: { ops: { waits: { config: { dir: scratch } } } },
    });
    await stopped(taskArn(run));
    const health = await (await inner(instance)).checkRunWorkerHealth((await instance.storage.runs.getRun(run.runId))!);
    expect(health).toMatchObject({ status: 'FAILED', failureClass: 'preempted', retryable: true });
    expect(health.reason).toContain('SpotInterruption');
  });

  it("a Spot interruption mid-run: monitoring resumes the run on a new task without spending the user's retries, and it succeeds", async () => {
    // maxResumeAttempts 0 and no run retries: only the platform's own budget can bring the run back.
    const { instance, scratch } = await open({}, { runMonitoring: { maxResumeAttempts: 0 } });
    const run = await instance.submitJobRun({
      job: awsJobs.getJob('produce_then_tick'),
      codeLocation: AWS_JOBS,
      source: 'api',
      runConfig: { ops: { produce: { config: { dir: scratch } }, tick_after: { config: { dir: scratch } } } },
    });
    const done = await monitored(instance, async () => {
      // The worker has claimed the run and is in its second step when Spot takes the task back.
      await waitFor('the step to start', async () => (lines(path.join(scratch, 'tick')) >= 1 ? true : undefined));
      world.agent.interruptSpot(taskArn(run));
      // The resumed task's worker reached the waiting step: let it finish.
      await waitFor(
        'the resumed task to run the step again',
        async () => (lines(path.join(scratch, 'tick')) >= 2 ? true : undefined),
        async () => {
          const now = await instance.storage.runs.getRun(run.runId);
          const events = await instance.storage.events.getEvents(run.runId);
          const tasks = await tasksOfRun(run.runId);
          return `run ${now?.status} ${JSON.stringify(now?.tags)}; tasks ${JSON.stringify(tasks.map((t) => [t.lastStatus, t.stopCode, t.containers?.[0]?.exitCode]))}; agent ${world.agent.errors.join(' | ')}\n${events.map((e) => `  ${e.type}: ${e.message}`).join('\n')}`;
        },
      );
      writeFileSync(path.join(scratch, 'release'), '');
      return waitForStatus(instance, run.runId, ['SUCCESS', 'FAILURE']);
    });
    expect(done.status, done.statusReason).toBe('SUCCESS');
    expect(done.tags).toMatchObject({ 'runyard/infra_resume_attempt': '1' });
    expect(done.tags['runyard/resume_attempt']).toBeUndefined();
    // The same run, not a retry; the step that had succeeded was not run again.
    expect(await instance.storage.runs.listRuns({})).toHaveLength(1);
    expect(lines(path.join(scratch, 'produce'))).toBe(1);
    await stopped(taskArn(done));
    const tasks = await tasksOfRun(run.runId);
    expect(tasks.map((t) => t.stopCode).sort()).toEqual(['EssentialContainerExited', 'SpotInterruption']);
    const resumed = (await instance.storage.events.getEvents(run.runId)).find((e) => /preempted/.test(e.message ?? ''));
    expect(resumed?.message).toMatch(/the worker was preempted or evicted \(preempted\).*SpotInterruption/);
  });

  it('a `job launch` (no --wait) whose task fails to start for lack of capacity: once the CLI has exited, run monitoring replaces the task and the run succeeds', async () => {
    const setup = await open();
    const { instance, home } = setup;
    // The CLI reads the same instance (SQLite in the home) from runyard.yaml; moto through AWS_ENDPOINT_URL.
    writeFileSync(
      path.join(home, 'runyard.yaml'),
      JSON.stringify({ runLauncher: { class: 'EcsRunLauncher', config: setup.launcherConfig } }),
    );
    const launched = await runCli(['job', 'launch', '-f', JOBS, '-j', 'hello', '--tag', `${FAULT_TAG}=capacity:1`], {
      home,
    });
    expect(launched.code, launched.stderr).toBe(0);
    const [run] = await instance.storage.runs.listRuns({});
    const runId = run?.runId as string;
    // The CLI recorded the first task and exited: its start watch went with it.
    expect(run?.worker).toMatchObject({ startAttempt: 1 });
    const done = await monitored(instance, () => waitForStatus(instance, runId, ['SUCCESS', 'FAILURE']));
    expect(done.status, done.statusReason).toBe('SUCCESS');
    // The relaunch counted its start attempts on from the failed task (maxStartRetries spans both).
    expect(done.worker).toMatchObject({ startAttempt: 2 });
    expect(done.tags['runyard/launch_attempt']).toBe('2');
    const relaunches = (await instance.storage.events.getEvents(runId)).filter(
      (e) => e.data?.monitoring === 'relaunch',
    );
    expect(relaunches).toHaveLength(1);
    expect(relaunches[0]?.message).toMatch(
      /worker failed to start for a passing reason \(there is no room for the worker now \(capacity\): .*TaskFailedToStart.*\) and its launcher, which would have replaced it, is gone \(process \d+ on \S+ is gone\); launching it again \(attempt 2 of 5\)/,
    );
    await stopped(taskArn(done));
    expect((await tasksOfRun(runId)).map((t) => t.stopCode).sort()).toEqual([
      'EssentialContainerExited',
      'TaskFailedToStart',
    ]);
  });
});
