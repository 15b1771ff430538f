import path from 'node:path';
import { loadCodeLocation } from 'runyard';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor, waitForStatus } from '../../docker/test/support/waits.js';
import {
  CLUSTER,
  describeWithDocker,
  type EcsWorld,
  openEcsInstance,
  REPO,
  startEcsWorld,
  taskArn,
} from './support/ecs-harness.js';

const JOBS = path.join(REPO, 'packages/aws/test/fixtures/aws-jobs.ts');

describeWithDocker('CloudWatchComputeLogManager: run output of awslogs tasks', () => {
  let world: EcsWorld;
  beforeAll(async () => {
    world = await startEcsWorld();
  });
  afterAll(() => world?.stop());

  it("reads a finished ECS run's output from its task's CloudWatch stream", async () => {
    const logConfiguration = {
      logDriver: 'awslogs',
      options: { 'awslogs-group': '/runyard/runs', 'awslogs-stream-prefix': 'runyard', 'awslogs-region': 'us-east-1' },
    };
    const setup = await openEcsInstance(
      world,
      { logConfiguration, env: { GREETING: 'ECS' } },
      {
        computeLogs: {
          module: '@runyard/aws',
          class: 'CloudWatchComputeLogManager',
          config: { cluster: CLUSTER, logGroup: '/runyard/runs', streamPrefix: 'runyard' },
        },
      },
    );
    try {
      const location = await loadCodeLocation(JOBS);
      const submitted = await setup.instance.submitJobRun({
        job: location.getJob('speaks'),
        codeLocation: JOBS,
        source: 'api',
      });
      const run = await waitForStatus(setup.instance, submitted.runId, ['SUCCESS', 'FAILURE']);
      expect(run.status).toBe('SUCCESS');
      const logs = await setup.instance.computeLogs();
      const chunk = await waitFor(
        'the output in CloudWatch',
        async () => {
          const read = await logs.read(run.runId, 'stdout');
          return read.exists && read.data.includes('hello from ECS') ? read : undefined;
        },
        async () =>
          `task ${taskArn(run)}: ${JSON.stringify(await logs.read(run.runId, 'stdout'))}; agent: ${world.agent.errors.join(' | ')}`,
      );
      // awslogs merges the two streams into one.
      expect(chunk.data).toContain('and a line on stderr');
      expect(await logs.read(run.runId, 'stderr')).toMatchObject({ exists: false });
      const tail = await logs.read(run.runId, 'stdout', { offset: chunk.nextOffset });
      expect(tail).toMatchObject({ data: '', exists: true });
    } finally {
      await setup.dispose();
    }
  });
});
