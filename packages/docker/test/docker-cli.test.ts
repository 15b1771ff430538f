import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { openDockerInstance, REPO, testLauncherConfig } from './support/docker-instance.js';
import { type DockerEngine, describeWithDocker, startDockerEngine } from './support/dockerd.js';

const CLI = path.join(REPO, 'packages/runyard/bin/runyard.js');
const JOBS = path.join(REPO, 'packages/docker/test/fixtures/docker-jobs.ts');

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real CLI in its own process, as a user runs it. */
function runCli(home: string, args: readonly string[]): Promise<CliResult> {
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

describeWithDocker('runyard job launch with DockerRunLauncher named in runyard.yaml', () => {
  let engine: DockerEngine;
  let home: string;
  let dispose: () => Promise<void> = async () => {};

  beforeAll(async () => {
    engine = await startDockerEngine();
    // Only for its directories: the CLI reads the instance from runyard.yaml below.
    const setup = await openDockerInstance(engine);
    await setup.instance.dispose();
    dispose = setup.dispose;
    home = setup.home;
    // By class alone: core imports @runyard/docker for it.
    const config = { runLauncher: { class: 'DockerRunLauncher', config: testLauncherConfig(engine, setup.base) } };
    writeFileSync(path.join(home, 'runyard.yaml'), stringify(config));
  });
  afterAll(async () => {
    await dispose();
    await engine?.stop();
  });

  it('job launch --wait runs the job in a container and exits 0 on SUCCESS', async () => {
    const result = await runCli(home, ['job', 'launch', '-f', JOBS, '-j', 'hello', '--wait']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('launching the run with DockerRunLauncher');
    expect(result.stdout).toMatch(/run [0-9a-f-]{36} SUCCESS in /);
    const runId = /launched run ([0-9a-f-]{36})/.exec(result.stdout)?.[1] as string;
    const shown = JSON.parse((await runCli(home, ['run', 'show', runId, '--json'])).stdout);
    expect(shown).toMatchObject({ status: 'SUCCESS', worker: { launcher: 'DockerRunLauncher', image: engine.image } });
    const labels = await engine.cli('inspect', '-f', '{{json .Config.Labels}}', shown.worker.externalId);
    expect(JSON.parse(labels)).toMatchObject({ 'runyard.run-id': runId, 'runyard.job-name': 'hello' });
  });

  it('a runyard/docker tag the instance does not allow is a usage error, and no run is created', async () => {
    const result = await runCli(home, [
      'job',
      'launch',
      '-f',
      JOBS,
      '-j',
      'hello',
      '--tag',
      'runyard/docker={"image":"x"}',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("runyard/docker.image: the instance does not allow runs to override 'image'");
    const listed = JSON.parse((await runCli(home, ['run', 'list', '--json'])).stdout);
    expect(listed).toHaveLength(1);
  });
});
