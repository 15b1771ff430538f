import type { LaunchRunContext, RunRecord, WorkerRef } from 'runyard';
import { describe, expect, it } from 'vitest';
import type { DockerApi, DockerContainerHandle, DockerContainerInspect } from './docker-client.js';
import { demuxDockerLogs, dockerodeOptions } from './docker-client.js';
import { DockerRunLauncher } from './docker-run-launcher.js';
import { healthFromState } from './docker-worker-state.js';

/** A container whose state the test drives; the engine's answers are shaped as dockerode's. */
class FakeContainer implements DockerContainerHandle {
  running = true;
  exitCode = 0;
  oom = false;
  ignoresTerm = false;
  readonly signals: string[] = [];
  removed = false;

  async start() {}
  async inspect(): Promise<DockerContainerInspect> {
    if (this.removed) throw Object.assign(new Error('no such container'), { statusCode: 404 });
    return {
      Id: 'c0ffee',
      State: {
        Status: this.running ? 'running' : 'exited',
        Running: this.running,
        ExitCode: this.exitCode,
        OOMKilled: this.oom,
      },
      HostConfig: { Memory: 64 * 1024 ** 2 },
    };
  }
  async kill({ signal }: { signal: string }) {
    if (!this.running) throw Object.assign(new Error('is not running'), { statusCode: 409 });
    this.signals.push(signal);
    if (signal === 'SIGKILL' || !this.ignoresTerm) {
      this.running = false;
      this.exitCode = signal === 'SIGKILL' ? 137 : 0;
    }
  }
  async remove() {
    this.removed = true;
  }
  async logs() {
    return Buffer.concat([frame(1, 'out line\n'), frame(2, 'err line\n')]);
  }
}

function frame(stream: number, text: string): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(Buffer.byteLength(text), 4);
  return Buffer.concat([header, Buffer.from(text)]);
}

function fakeDocker(container: FakeContainer, createError?: Error): DockerApi & { created: unknown[] } {
  const created: unknown[] = [];
  return {
    created,
    async createContainer(options) {
      if (createError) throw createError;
      created.push(options);
      return { id: 'c0ffee' };
    },
    getContainer: () => container,
    listContainers: async () => [],
    pull: async () => {
      throw new Error('the test engine pulls nothing');
    },
  };
}

const run = (worker?: WorkerRef): RunRecord =>
  ({ runId: 'run-1', jobName: 'hello', status: 'STARTED', tags: {}, worker }) as unknown as RunRecord;
const ref: WorkerRef = {
  launcher: 'DockerRunLauncher',
  externalId: 'c0ffee',
  containerName: 'runyard-run-run-1-abcdef',
  image: 'jobs:1',
  dockerHost: 'unix:///test.sock',
};

describe('DockerRunLauncher with an injected client', () => {
  it('records the container before starting it, with the worker command and environment', async () => {
    const docker = fakeDocker(new FakeContainer());
    const launcher = new DockerRunLauncher({ image: 'jobs:1', dockerHost: 'unix:///test.sock' }, undefined, { docker });
    const recorded: WorkerRef[] = [];
    const ctx = {
      run: run(),
      home: '/srv/home',
      worker: { args: ['worker', 'execute-run', 'run-1'], env: { RUNYARD_INSTANCE: '{}' }, localCommand: [] },
      recordWorker: async (r: WorkerRef) => void recorded.push(r),
    } as unknown as LaunchRunContext;
    const launched = await launcher.launchRun(ctx);
    expect(recorded).toEqual([launched]);
    expect(launched).toMatchObject({
      launcher: 'DockerRunLauncher',
      externalId: 'c0ffee',
      dockerHost: 'unix:///test.sock',
    });
    expect(docker.created[0]).toMatchObject({
      Image: 'jobs:1',
      Entrypoint: ['runyard'],
      Cmd: ['worker', 'execute-run', 'run-1'],
      Env: ['RUNYARD_INSTANCE={}'],
      HostConfig: { Init: true },
    });
  });

  it('terminate: SIGTERM, and only a container that ignores it is killed (escalated)', async () => {
    const polite = new FakeContainer();
    const launcher = new DockerRunLauncher({ image: 'x' }, undefined, { docker: fakeDocker(polite) });
    expect(await launcher.terminate({ run: run(ref), graceMs: 1_000 })).toMatchObject({
      stopped: true,
      escalated: false,
    });
    expect(polite.signals).toEqual(['SIGTERM']);
    expect(await launcher.terminate({ run: run(ref), graceMs: 1_000 })).toMatchObject({
      stopped: false,
      escalated: false,
      detail: expect.stringContaining('had already exited'),
    });

    const stubborn = Object.assign(new FakeContainer(), { ignoresTerm: true });
    const other = new DockerRunLauncher({ image: 'x' }, undefined, { docker: fakeDocker(stubborn) });
    expect(await other.terminate({ run: run(ref), graceMs: 150 })).toMatchObject({
      stopped: true,
      escalated: true,
      detail: expect.stringContaining('ignored SIGTERM'),
    });
    expect(stubborn.signals).toEqual(['SIGTERM', 'SIGKILL']);
    stubborn.removed = true;
    expect(await other.terminate({ run: run(ref), graceMs: 150 })).toMatchObject({ stopped: false });
    expect(await other.terminate({ run: run(), graceMs: 150 })).toMatchObject({ stopped: false });
  });

  it('health: exit codes, OOM kills and missing containers, each with a reason', async () => {
    const container = new FakeContainer();
    const launcher = new DockerRunLauncher({ image: 'x' }, undefined, { docker: fakeDocker(container) });
    expect((await launcher.checkRunWorkerHealth(run(ref))).status).toBe('RUNNING');
    Object.assign(container, { running: false, exitCode: 3 });
    expect(await launcher.checkRunWorkerHealth(run(ref))).toMatchObject({
      status: 'FAILED',
      exitCode: 3,
      failureClass: 'user',
      retryable: false,
      reason: 'container runyard-run-run-1-abcdef (c0ffee) exited with code 3',
    });
    Object.assign(container, { exitCode: 137, oom: true });
    const oom = await launcher.checkRunWorkerHealth(run(ref));
    expect(oom.reason).toContain('was OOMKilled');
    expect(oom).toMatchObject({ failureClass: 'oom', retryable: false });
    const debug = await launcher.debugInfo(run(ref));
    expect(debug).toContain('exit code 137, OOMKilled true');
    expect(debug).toContain('out line\nerr line');
    container.removed = true;
    expect((await launcher.checkRunWorkerHealth(run(ref))).status).toBe('NOT_FOUND');
    expect((await launcher.checkRunWorkerHealth(run())).status).toBe('NOT_FOUND');
  });

  it('health is UNKNOWN and transient when the engine cannot be reached', async () => {
    const launcher = new DockerRunLauncher({ image: 'x', dockerHost: 'unix:///nonexistent/docker.sock' });
    const health = await launcher.checkRunWorkerHealth(run(ref));
    expect(health).toMatchObject({ status: 'UNKNOWN', transient: true });
    expect(health.reason).toContain('cannot reach the Docker engine at unix:///nonexistent/docker.sock');
  });

  it('a missing image fails the launch, naming the image and the host', async () => {
    const missing = Object.assign(new Error('(HTTP code 404) no such container - No such image: gone:1'), {
      statusCode: 404,
      json: { message: 'No such image: gone:1' },
    });
    const launcher = new DockerRunLauncher({ image: 'gone:1', dockerHost: 'unix:///d.sock' }, undefined, {
      docker: fakeDocker(new FakeContainer(), missing),
    });
    const ctx = {
      run: run(),
      home: '/h',
      worker: { args: [], env: {}, localCommand: [] },
      recordWorker: async () => {},
    } as unknown as LaunchRunContext;
    await expect(launcher.launchRun(ctx)).rejects.toThrow(
      "image 'gone:1' is not on the Docker host unix:///d.sock, and DockerRunLauncher does not pull",
    );
    await expect(launcher.launchRun(ctx)).rejects.toMatchObject({ data: { failureClass: 'image', retryable: false } });
  });

  it('health: a container the engine could not run is the image class when its entrypoint is missing', () => {
    const info = (error: string): DockerContainerInspect => ({
      Id: 'c',
      State: { Status: 'exited', Running: false, ExitCode: 127, Error: error },
    });
    expect(healthFromState(info('exec: "runyard": executable file not found in $PATH'), 'c')).toMatchObject({
      status: 'FAILED',
      failureClass: 'image',
      retryable: false,
    });
    expect(healthFromState(info('cgroup setup failed'), 'c')).toMatchObject({ failureClass: 'infra' });
  });

  it('checks its config, and gives back what rebuilds it', () => {
    expect(() => new DockerRunLauncher({ image: '' })).toThrow(/invalid DockerRunLauncher config:\n {2}- image:/);
    const config = { image: 'x', memory: '1g' };
    expect(new DockerRunLauncher(config).toConfig()).toEqual({ class: 'DockerRunLauncher', config });
    expect(new DockerRunLauncher(config).terminateGraceMs).toBe(10_000);
  });
});

describe('Docker client helpers', () => {
  it('turns a Docker host into dockerode options', () => {
    expect(dockerodeOptions('unix:///run/d.sock')).toEqual({ socketPath: '/run/d.sock' });
    expect(dockerodeOptions('tcp://10.0.0.2:2375')).toEqual({ host: '10.0.0.2', port: 2375, protocol: 'http' });
    expect(dockerodeOptions('ssh://ops@build')).toEqual({ host: 'build', protocol: 'ssh', username: 'ops' });
  });

  it('demultiplexes log frames, and leaves TTY output alone', () => {
    expect(demuxDockerLogs(Buffer.concat([frame(1, 'a\n'), frame(2, 'b\n')]))).toBe('a\nb\n');
    expect(demuxDockerLogs('plain text\n')).toBe('plain text\n');
  });
});
