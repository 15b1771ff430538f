import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type CodeLocation, type Instance, loadCodeLocation } from 'runyard';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DOCKER_RUN_TAG, type DockerRunLauncher } from '../src/index.js';
import { containerId, openDockerInstance, REPO, testLauncherConfig } from './support/docker-instance.js';
import { type DockerEngine, describeWithDocker, startDockerEngine } from './support/dockerd.js';
import { waitFor, waitForStatus } from './support/waits.js';

const JOBS = path.join(REPO, 'packages/docker/test/fixtures/docker-jobs.ts');

describeWithDocker('DockerRunLauncher against a real Docker engine', () => {
  let engine: DockerEngine;
  let location: CodeLocation;
  const disposers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    engine = await startDockerEngine();
    location = await loadCodeLocation(JOBS);
  });
  afterAll(async () => {
    for (const dispose of disposers) await dispose();
    await engine?.stop();
  });

  async function open(config: Parameters<typeof openDockerInstance>[1] = {}) {
    const setup = await openDockerInstance(engine, config);
    disposers.push(() => setup.dispose());
    return setup;
  }

  const submit = (instance: Instance, jobName: string, tags: Record<string, string> = {}) =>
    instance.submitJobRun({ job: location.getJob(jobName), codeLocation: JOBS, source: 'api', tags });

  const inspect = (id: string) => engine.api.getContainer(id).inspect() as Promise<any>;

  it('labels the container with the run, runs the worker command, and applies cpu and memory limits', async () => {
    const { instance } = await open({ cpus: 0.5, memory: '256m', labels: { team: 'yard' } });
    const submitted = await submit(instance, 'hello');
    expect(submitted.worker).toMatchObject({ launcher: 'DockerRunLauncher', image: engine.image });
    const run = await waitForStatus(instance, submitted.runId, ['SUCCESS', 'FAILURE']);
    expect(run.status).toBe('SUCCESS');
    const info = await inspect(containerId(run));
    expect(info.Config.Labels).toMatchObject({
      runyard: 'run-worker',
      'runyard.run-id': run.runId,
      'runyard.job-name': 'hello',
      'runyard.home': instance.home,
      team: 'yard',
    });
    expect(info.Config.Entrypoint).toEqual(['/usr/local/bin/node', path.join(REPO, 'packages/runyard/bin/runyard.js')]);
    expect(info.Config.Cmd).toEqual(['worker', 'execute-run', run.runId]);
    expect(info.Config.Env.some((e: string) => e.startsWith('RUNYARD_INSTANCE='))).toBe(true);
    expect(info.HostConfig).toMatchObject({
      NanoCpus: 500_000_000,
      Memory: 256 * 1024 ** 2,
      MemorySwap: 256 * 1024 ** 2,
    });
    expect(info.Name).toMatch(new RegExp(`^/runyard-run-${run.runId}-[0-9a-f]{6}$`));
    const launcher = await instance.launcher();
    // RUN_SUCCESS is written just before the worker exits.
    const health = await waitFor('the container to exit', async () => {
      const h = await launcher.checkHealth(run);
      return h.status === 'RUNNING' ? undefined : h;
    });
    expect(health).toMatchObject({ status: 'SUCCESS', exitCode: 0 });
    const debug = await launcher.debugInfo(run);
    expect(debug).toContain('exit code 0');
    expect(debug).toContain('OOMKilled false');
  });

  it('applies a run tag override the instance allows, merged over the instance config', async () => {
    const { instance } = await open({
      allowRunOverrides: ['memory', 'labels', 'env'],
      labels: { team: 'yard', tier: 'batch' },
      memory: '256m',
    });
    const tag = JSON.stringify({ memory: '128m', labels: { tier: 'urgent' }, env: { GREETING: 'the tag' } });
    const submitted = await submit(instance, 'hello', { [DOCKER_RUN_TAG]: tag });
    const run = await waitForStatus(instance, submitted.runId, ['SUCCESS', 'FAILURE']);
    expect(run.status).toBe('SUCCESS');
    const info = await inspect(containerId(run));
    expect(info.HostConfig.Memory).toBe(128 * 1024 ** 2);
    expect(info.Config.Labels).toMatchObject({ team: 'yard', tier: 'urgent', 'runyard.run-id': run.runId });
    expect(info.Config.Env).toContain('GREETING=the tag');
  });

  it('refuses, at submit and before any run exists, an override outside the allow-list, bad JSON or a bad value', async () => {
    const { instance } = await open({ allowRunOverrides: ['memory'] });
    const cases: [string, RegExp][] = [
      [
        '{"image":"evil:latest"}',
        /runyard\/docker\.image: the instance does not allow runs to override 'image'.*memory/,
      ],
      ['{"memory":', /runyard\/docker: is not valid JSON/],
      ['["memory"]', /runyard\/docker: expected a JSON object/],
      ['{"memory":"lots"}', /runyard\/docker\.memory: expected bytes/],
      ['{"dockerHost":"tcp://elsewhere:2375"}', /runyard\/docker\.dockerHost: unknown key/],
    ];
    for (const [tag, message] of cases) {
      const attempt = submit(instance, 'hello', { [DOCKER_RUN_TAG]: tag });
      await expect(attempt).rejects.toMatchObject({
        name: 'InvalidConfigError',
        message: expect.stringMatching(message),
      });
    }
    expect(await instance.storage.runs.listRuns({})).toEqual([]);
    expect(await engine.cli('ps', '-aq', '--filter', `label=runyard.home=${instance.home}`)).toBe('');
  });

  it('fails the launch of a run whose image is missing, naming the image and the Docker host, and pulls nothing', async () => {
    const { instance } = await open({ image: 'runyard-missing:never' });
    const submitted = await submit(instance, 'hello');
    const run = await waitForStatus(instance, submitted.runId, ['FAILURE']);
    expect(run.statusReason).toContain(
      `image 'runyard-missing:never' is not on the Docker host ${engine.host}, and DockerRunLauncher does not pull`,
    );
    const events = await instance.storage.events.getEvents(run.runId);
    expect(events.at(-1)).toMatchObject({ type: 'RUN_FAILURE', data: { failureClass: 'image', retryable: false } });
    expect(run.worker).toBeUndefined();
    expect(await engine.cli('images', '-q', 'runyard-missing')).toBe('');
  });

  it('keeps an exited container for its retention, then removes it; nothing of the instance is left', async () => {
    const { instance } = await open({ autoRemoveAfterSeconds: 1 });
    const submitted = await submit(instance, 'hello');
    const run = await waitForStatus(instance, submitted.runId, ['SUCCESS']);
    const launcher = await instance.launcher();
    // Within the retention the exit code is still there to read.
    await waitFor('the container to exit', async () =>
      (await launcher.checkHealth(run)).status === 'SUCCESS' ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 1_200));
    // The sweep runs beside later health checks (and launches, and dispose).
    await waitFor('the container to be removed', async () =>
      (await launcher.checkHealth(run)).status === 'NOT_FOUND' ? true : undefined,
    );
    expect((await launcher.checkHealth(run)).reason).toContain('no longer exists');
    expect(await (launcher.inner as DockerRunLauncher).removeExpiredContainers()).toEqual([]);
    expect(await engine.cli('ps', '-aq', '--filter', `label=runyard.home=${instance.home}`)).toBe('');
  });

  it('a worker over its memory limit is OOMKilled: run monitoring fails the run and says so', async () => {
    const setup = await open();
    await setup.instance.dispose();
    // The real daemon, reading the same instance from runyard.yaml, runs run monitoring.
    const config = {
      runLauncher: { class: 'DockerRunLauncher', config: { ...testLauncherConfig(engine, setup.base), memory: '96m' } },
      runMonitoring: { pollIntervalSeconds: 1 },
    };
    writeFileSync(path.join(setup.home, 'runyard.yaml'), stringify(config));
    const { Instance } = await import('runyard');
    const instance = await Instance.open({ home: setup.home });
    disposers.push(() => instance.dispose());
    const submitted = await submit(instance, 'memory_hog');
    const daemon = spawn(
      process.execPath,
      [path.join(REPO, 'packages/runyard/bin/runyard.js'), '--home', setup.home, 'daemon'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    let output = '';
    daemon.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    daemon.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    try {
      const run = await waitForStatus(instance, submitted.runId, ['FAILURE', 'SUCCESS', 'CANCELED']).catch((error) => {
        throw new Error(`${(error as Error).message}\ndaemon output:\n${output}`);
      });
      expect(run.status).toBe('FAILURE');
      expect(run.statusReason).toContain('OOMKilled');
      const launcher = await instance.launcher();
      const health = await launcher.checkHealth(run);
      expect(health).toMatchObject({ status: 'FAILED', exitCode: 137 });
      expect(health.reason).toContain('was OOMKilled: it exceeded its memory limit of 96 MiB');
      expect(await launcher.debugInfo(run)).toContain('OOMKilled true');
    } finally {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.once('exit', r));
    }
  });
});
