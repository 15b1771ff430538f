import path from 'node:path';
import { type CodeLocation, type Instance, loadCodeLocation } from 'runyard';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor, waitForStatus } from '../../docker/test/support/waits.js';
import type { EcsRunLauncher } from '../src/index.js';
import { FAULT_TAG } from './ecs-agent/ecs-agent.js';
import {
  CLUSTER,
  describeWithDocker,
  type EcsWorld,
  openEcsInstance,
  REPO,
  startEcsWorld,
  taskArn,
} from './support/ecs-harness.js';

const JOBS = path.join(REPO, 'packages/docker/test/fixtures/docker-jobs.ts');
const CONFORMANCE = path.join(REPO, 'packages/testing/fixtures/conformance-jobs.ts');

describeWithDocker('EcsRunLauncher on moto, with the test agent running tasks on a real Docker engine', () => {
  let world: EcsWorld;
  let location: CodeLocation;
  let conformance: CodeLocation;
  const disposers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    world = await startEcsWorld();
    location = await loadCodeLocation(JOBS);
    conformance = await loadCodeLocation(CONFORMANCE);
  });
  afterAll(async () => {
    for (const dispose of disposers) await dispose();
    await world?.stop();
  });

  async function open(config: Parameters<typeof openEcsInstance>[1] = {}) {
    const setup = await openEcsInstance(world, config);
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

  it('a task that failed to start for lack of capacity is relaunched, and the run then succeeds', async () => {
    const { instance } = await open();
    const run = await submit(instance, 'hello', { [FAULT_TAG]: 'capacity:2' });
    expect(run.worker).toMatchObject({ startAttempt: 3 });
    expect((await waitForStatus(instance, run.runId, ['SUCCESS', 'FAILURE'])).status).toBe('SUCCESS');
    await stopped(taskArn(run));
    const { taskArns = [] } = await world.ecs.listTasks({ cluster: CLUSTER });
    const tasks = (await world.ecs.describeTasks({ cluster: CLUSTER, tasks: taskArns, include: ['TAGS'] })).tasks ?? [];
    const mine = tasks.filter((t) => t.tags?.some((tag) => tag.key === 'runyard.run-id' && tag.value === run.runId));
    expect(mine.map((t) => t.stopCode).sort()).toEqual([
      'EssentialContainerExited',
      'TaskFailedToStart',
      'TaskFailedToStart',
    ]);
  });

  it('a network interface that keeps timing out fails the run after maxStartRetries, saying why', async () => {
    const { instance } = await open({ maxStartRetries: 1 });
    const run = await submit(instance, 'hello', { [FAULT_TAG]: 'eni' });
    const failed = await waitForStatus(instance, run.runId, ['FAILURE', 'SUCCESS']);
    expect(failed.status).toBe('FAILURE');
    expect(failed.statusReason).toMatch(/2 attempt\(s\) \(maxStartRetries 1\).*ResourceInitializationError/);
  });

  it('an image that cannot be pulled fails the run at once, without a relaunch', async () => {
    const { instance } = await open();
    const run = await submit(instance, 'hello', { [FAULT_TAG]: 'image' });
    const failed = await waitForStatus(instance, run.runId, ['FAILURE', 'SUCCESS']);
    expect(failed.statusReason).toContain('CannotPullContainerError');
    expect(failed.worker).toMatchObject({ startAttempt: 1 });
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
});
