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

describeWithDocker('EcsRunLauncher on moto, with the test agent running tasks on a real Docker engine', () => {
  let world: EcsWorld;
  let location: CodeLocation;
  const disposers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    world = await startEcsWorld();
    location = await loadCodeLocation(JOBS);
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
});
