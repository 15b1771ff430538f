import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Instance, loadCodeLocation, startUiServer } from 'runyard';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { waitFor, waitForStatus } from '../../docker/test/support/waits.js';
import type { EcsRunLauncher } from '../src/index.js';
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
import { runCli } from './support/run-cli.js';

const JOBS = path.join(REPO, 'packages/aws/test/fixtures/aws-jobs.ts');
const LOGS = {
  logDriver: 'awslogs',
  options: { 'awslogs-group': '/runyard/runs', 'awslogs-stream-prefix': 'runyard', 'awslogs-region': 'us-east-1' },
};
const COMPUTE_LOGS = {
  module: '@runyard/aws',
  class: 'CloudWatchComputeLogManager',
  config: { cluster: CLUSTER, logGroup: '/runyard/runs', streamPrefix: 'runyard' },
};

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
      // The launcher's debug info ends with the stream's last lines (what a dead worker said last).
      const launcher = (await setup.instance.launcher()).inner as EcsRunLauncher;
      const debug = await launcher.debugInfo(run);
      expect(debug).toMatch(/logs: CloudWatch group \/runyard\/runs, stream runyard\/run\/[0-9a-f]+/);
      expect(debug).toMatch(/last \d+ line\(s\) of the log:\n(.*\n)* {2}hello from ECS/);
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

  it("shows an ECS run's output while it runs and afterwards: `run logs --stdout` and the HTTP API", async () => {
    const setup = await openEcsInstance(world);
    await setup.instance.dispose();
    const runLauncher = { class: 'EcsRunLauncher', config: { ...setup.launcherConfig, logConfiguration: LOGS } };
    writeFileSync(path.join(setup.home, 'runyard.yaml'), stringify({ runLauncher, computeLogs: COMPUTE_LOGS }));
    const instance = await Instance.open({ home: setup.home });
    const ui = await startUiServer({ instance, port: 0, uiDir: undefined });
    try {
      const location = await loadCodeLocation(JOBS);
      const run = await instance.submitJobRun({
        job: location.getJob('ticking'),
        codeLocation: JOBS,
        source: 'api',
        runConfig: { ops: { tick: { config: { dir: setup.scratch } } } },
      });
      const cli = () => runCli(setup.home, ['run', 'logs', run.runId, '--stdout']);
      const http = async () => (await fetch(`${ui.url}/api/runs/${run.runId}/logs/stdout`)).text();
      const live = await waitFor(
        'the live output through the CLI',
        async () => {
          const result = await cli();
          return result.code === 0 && result.stdout.includes('tick 2') ? result.stdout : undefined;
        },
        async () => `${JSON.stringify(await cli())}; agent: ${world.agent.errors.join(' | ')}`,
      );
      // Read while the op still waits for the release file: the run cannot have ended.
      expect((await instance.storage.runs.getRun(run.runId))?.status).toBe('STARTED');
      expect(live).not.toContain('tick released');
      expect(await http()).toContain('tick 2');

      writeFileSync(path.join(setup.scratch, 'release'), '');
      expect((await waitForStatus(instance, run.runId, ['SUCCESS', 'FAILURE'])).status).toBe('SUCCESS');
      const after = await waitFor('the last lines through the CLI', async () => {
        const result = await cli();
        return result.stdout.includes('tick released') ? result.stdout : undefined;
      });
      expect(after.indexOf('tick 0')).toBeLessThan(after.indexOf('tick released'));
      expect(await http()).toContain('tick released');
    } finally {
      await ui.close();
      await instance.dispose();
      rmSync(setup.base, { recursive: true, force: true });
    }
  });
});
