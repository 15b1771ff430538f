import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadCodeLocation } from 'runyard';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { waitFor, waitForStatus } from '../../docker/test/support/waits.js';
import {
  CLUSTER,
  describeWithDocker,
  type EcsWorld,
  ecsTestConfig,
  openEcsInstance,
  REPO,
  startEcsWorld,
  taskArn,
} from './support/ecs-harness.js';

const JOBS = path.join(REPO, 'packages/aws/test/fixtures/aws-jobs.ts');
const CLI = path.join(REPO, 'packages/runyard/bin/runyard.js');
const LOGS = {
  logDriver: 'awslogs',
  options: { 'awslogs-group': '/runyard/runs', 'awslogs-stream-prefix': 'runyard', 'awslogs-region': 'us-east-1' },
};
const COMPUTE_LOGS = {
  module: '@runyard/aws',
  class: 'CloudWatchComputeLogManager',
  config: { cluster: CLUSTER, logGroup: '/runyard/runs', streamPrefix: 'runyard' },
};

function runCli(
  home: string,
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--home', home, ...args], { cwd: REPO, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

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
        computeLogs: COMPUTE_LOGS,
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

  it('runyard.yaml names EcsRunLauncher by class; `run logs --stdout` prints the task output from CloudWatch', async () => {
    // Only for its directories: the CLI reads the instance from runyard.yaml.
    const setup = await openEcsInstance(world);
    await setup.instance.dispose();
    try {
      const runLauncher = {
        class: 'EcsRunLauncher',
        config: {
          ...ecsTestConfig(world, setup.base),
          logConfiguration: LOGS,
          env: { GREETING: 'the CLI', RUNYARD_CACHE_DIR: path.join(setup.base, 'cache') },
        },
      };
      writeFileSync(path.join(setup.home, 'runyard.yaml'), stringify({ runLauncher, computeLogs: COMPUTE_LOGS }));
      const launched = await runCli(setup.home, ['job', 'launch', '-f', JOBS, '-j', 'speaks', '--wait']);
      expect(launched.code, launched.stderr).toBe(0);
      expect(launched.stdout).toContain('launching the run with EcsRunLauncher');
      const runId = /launched run ([0-9a-f-]{36})/.exec(launched.stdout)?.[1] as string;
      const printed = await waitFor('the output through the CLI', async () => {
        const result = await runCli(setup.home, ['run', 'logs', runId, '--stdout']);
        return result.code === 0 && result.stdout.includes('hello from the CLI') ? result : undefined;
      });
      expect(printed.stdout).toContain('and a line on stderr');
    } finally {
      await setup.dispose();
    }
  });
});
