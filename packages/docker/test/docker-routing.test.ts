// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${vars.x}` is runyard.yaml's own syntax, written literally here
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import {
  type CodeLocation,
  Instance,
  LAUNCHER_TAG,
  LAUNCHER_VARS_TAG,
  loadCodeLocation,
  MonitoringDaemon,
  parseInstanceConfig,
  QueueDaemon,
  type RunRecord,
} from 'runyard';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { containerId, containerRunning, REPO, testLauncherConfig } from './support/docker-instance.js';
import { type DockerEngine, describeWithDocker, startDockerEngine } from './support/dockerd.js';
import { waitFor, waitForStatus } from './support/waits.js';

// Two real launchers in one instance: the process launcher (`local`, the instance default) and
// DockerRunLauncher (`docker`, with a memory variable), against a private Docker engine.

const ROUTING_JOBS = path.join(REPO, 'packages/docker/test/fixtures/routing-jobs.ts');
const PLAIN_JOBS = path.join(REPO, 'packages/docker/test/fixtures/docker-jobs.ts');

describeWithDocker('named launchers: process and Docker in one instance', () => {
  let engine: DockerEngine;
  let routing: CodeLocation;
  let plain: CodeLocation;
  let base: string;
  let home: string;
  const opened: Instance[] = [];

  beforeAll(async () => {
    engine = await startDockerEngine();
    routing = await loadCodeLocation(ROUTING_JOBS);
    plain = await loadCodeLocation(PLAIN_JOBS);
    base = mkdtempSync('/tmp/ry-route-');
    home = path.join(base, 'home');
    mkdirSync(home);
    mkdirSync(path.join(base, 'cache'), { mode: 0o700 });
    chmodSync(base, 0o755);
  });
  afterAll(async () => {
    for (const instance of opened) await instance.dispose().catch(() => undefined);
    await engine?.stop();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  const dockerEntry = (extra: Record<string, unknown> = {}) => ({
    class: 'DockerRunLauncher',
    config: { ...testLauncherConfig(engine, base), memory: '${vars.memory}', ...extra },
    variables: { memory: { type: 'string', default: '128m', allowed: ['128m', '256m'] } },
  });

  async function open(launchers: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<Instance> {
    const instance = await Instance.open({
      home,
      config: parseInstanceConfig({ runLaunchers: { default: 'local', launchers }, ...extra }),
    });
    opened.push(instance);
    return instance;
  }
  const both = () => open({ local: { class: 'ProcessRunLauncher' }, docker: dockerEntry() });

  const submit = (instance: Instance, location: CodeLocation, jobName: string, tags: Record<string, string> = {}) =>
    instance.submitJobRun({ job: location.getJob(jobName), codeLocation: location.path, source: 'api', tags });

  const inspect = (run: RunRecord) => engine.api.getContainer(containerId(run)).inspect() as Promise<any>;

  async function killLocal(instance: Instance, run: RunRecord): Promise<void> {
    const events = await instance.storage.events.getEvents(run.runId, { types: ['RUN_START'] });
    process.kill(events[0]?.data?.pid as number, 'SIGKILL');
  }

  it('routes by each level: instance default, code location, job tag, run tag; and applies variables', async () => {
    const instance = await both();
    const cases: Array<[CodeLocation, string, Record<string, string>, string]> = [
      [plain, 'hello', {}, 'local'], // instance default
      [routing, 'quick', {}, 'docker'], // code location's defaultLauncher
      [routing, 'quick_local', {}, 'local'], // job tag over the code location
      [routing, 'quick_local', { [LAUNCHER_TAG]: 'docker' }, 'docker'], // run tag over the job
    ];
    const runs = [];
    for (const [location, jobName, tags, expected] of cases) {
      const submitted = await submit(instance, location, jobName, tags);
      expect(submitted.tags[LAUNCHER_TAG]).toBe(expected);
      runs.push(submitted);
    }
    for (const [i, submitted] of runs.entries()) {
      const run = await waitForStatus(instance, submitted.runId, ['SUCCESS', 'FAILURE']);
      expect(run.status).toBe('SUCCESS');
      const kind = cases[i]?.[3] === 'docker' ? 'DockerRunLauncher' : 'ProcessRunLauncher';
      expect(run.worker?.launcher).toBe(kind);
    }
    // The memory limit is the variable's default, or the value the run chose.
    expect((await inspect(runs[1] as RunRecord)).HostConfig.Memory).toBe(128 * 1024 ** 2);
    const chosen = await submit(instance, routing, 'quick', { [LAUNCHER_VARS_TAG]: '{"memory":"256m"}' });
    expect(JSON.parse(chosen.tags[LAUNCHER_VARS_TAG] as string)).toEqual({ memory: '256m' });
    const done = await waitForStatus(instance, chosen.runId, ['SUCCESS', 'FAILURE']);
    expect((await inspect(done)).HostConfig.Memory).toBe(256 * 1024 ** 2);
  });

  it('refuses a value outside the variable, or a launcher the allow-list keeps out; nothing is written or started', async () => {
    const instance = await open({
      local: { class: 'ProcessRunLauncher' },
      docker: { ...dockerEntry(), allow: { jobs: ['quick'] } },
    });
    const before = await instance.storage.runs.countRuns({});
    await expect(
      submit(instance, routing, 'quick', { [LAUNCHER_VARS_TAG]: '{"memory":"64g","cpu":2}' }),
    ).rejects.toMatchObject({
      name: 'InvalidConfigError',
      message: expect.stringMatching(
        /launcher_vars\.memory: "64g" is not allowed[\s\S]*launcher_vars\.cpu: launcher 'docker' has no variable 'cpu'/,
      ),
    });
    await expect(submit(instance, routing, 'sleepy')).rejects.toMatchObject({
      message: expect.stringContaining(
        "launcher 'docker' may not run job 'sleepy': runyard.yaml allows it only for jobs quick",
      ),
    });
    expect(await instance.storage.runs.countRuns({})).toBe(before);
  });

  it('monitors and terminates runs of both launchers at once, each with its own launcher', async () => {
    const instance = await both();
    const local = await submit(instance, routing, 'sleepy', { [LAUNCHER_TAG]: 'local' });
    const docker = await submit(instance, routing, 'sleepy');
    const [l, d] = await Promise.all([
      waitForStatus(instance, local.runId, ['STARTED']),
      waitForStatus(instance, docker.runId, ['STARTED']),
    ]);
    // Both workers die; one monitoring poll asks each launcher about its own run.
    await killLocal(instance, l);
    await engine.cli('kill', containerId(d));
    const monitoring = new MonitoringDaemon(instance);
    const lines: string[] = [];
    await waitFor('both runs to fail', async () => {
      await monitoring.runIteration({
        instance,
        daemonId: 'test',
        signal: new AbortController().signal,
        log: (m) => lines.push(m),
      });
      const runs = await Promise.all([l, d].map((r) => instance.storage.runs.getRun(r.runId)));
      return runs.every((r) => r?.status === 'FAILURE') ? runs : undefined;
    });
    const [lf, df] = await Promise.all([l, d].map((r) => instance.storage.runs.getRun(r.runId)));
    expect(lf?.statusReason).toMatch(/run worker died: .*SIGKILL/);
    expect(df?.statusReason).toMatch(/run worker died: .*container/);

    const local2 = await submit(instance, routing, 'sleepy', { [LAUNCHER_TAG]: 'local' });
    const docker2 = await submit(instance, routing, 'sleepy');
    await Promise.all([local2, docker2].map((r) => waitForStatus(instance, r.runId, ['STARTED'])));
    const results = await Promise.all([local2, docker2].map((r) => instance.terminateRun(r.runId, { graceMs: 2_000 })));
    expect(results.map((r) => r.run.status)).toEqual(['CANCELED', 'CANCELED']);
    const d2 = (await instance.storage.runs.getRun(docker2.runId)) as RunRecord;
    expect(await containerRunning(engine, d2)).toBe(false);
  });

  it('holds a per-launcher queue limit, and says so on the runs that wait', async () => {
    const instance = await both().then(async (first) => {
      await first.dispose();
      return open(
        { local: { class: 'ProcessRunLauncher' }, docker: dockerEntry() },
        { runCoordinator: { class: 'QueuedRunCoordinator', config: { launcherConcurrencyLimits: { docker: 1 } } } },
      );
    });
    const queued = [];
    for (let i = 0; i < 3; i++) queued.push(await submit(instance, routing, 'short'));
    const coordinator = await instance.coordinator();
    const queue = new QueueDaemon((coordinator as unknown as { settings: never }).settings);
    const reasons = new Set<string>();
    let maxSeen = 0;
    await waitFor(
      'the three runs to finish',
      async () => {
        await queue.dequeue(instance);
        const runs = await Promise.all(queued.map((r) => instance.storage.runs.getRun(r.runId)));
        const inProgress = runs.filter((r) => r && ['STARTING', 'STARTED', 'CANCELING'].includes(r.status)).length;
        maxSeen = Math.max(maxSeen, inProgress);
        for (const r of runs) if (r?.status === 'QUEUED' && r.statusReason) reasons.add(r.statusReason);
        return runs.every((r) => r?.status === 'SUCCESS') ? true : undefined;
      },
      () => `max in progress ${maxSeen}`,
      90_000,
    );
    expect(maxSeen).toBe(1);
    expect([...reasons]).toContain('waiting: launcher docker has 1 of 1 runs in progress (launcherConcurrencyLimits)');
  });

  it('after a config change, a run keeps its recorded launcher; a removed launcher is said to be gone', async () => {
    const first = await both();
    const submitted = await submit(first, routing, 'sleepy');
    const run = await waitForStatus(first, submitted.runId, ['STARTED']);
    await first.dispose();

    // The docker launcher removed: terminate and monitoring say so and use no other launcher.
    const without = await open({ local: { class: 'ProcessRunLauncher' } });
    await expect(without.terminateRun(run.runId)).rejects.toMatchObject({
      name: 'LauncherNotConfiguredError',
      message: `run ${run.runId} was launched with launcher 'docker', which runyard.yaml no longer names (launchers: local); put the launcher back to stop, check or resume its worker`,
    });
    await new MonitoringDaemon(without).runIteration({
      instance: without,
      daemonId: 'test',
      signal: new AbortController().signal,
      log: () => undefined,
    });
    const events = await without.storage.events.getEvents(run.runId);
    expect(events.at(-1)?.message).toContain('run monitoring cannot check this run: run');
    expect((await without.storage.runs.getRun(run.runId))?.status).toBe('STARTED');
    expect(await containerRunning(engine, run)).toBe(true);
    await without.dispose();

    // The docker launcher's config changed (another default memory, a label): the run still goes
    // to the launcher named docker, which stops its container.
    const changed = await open({
      local: { class: 'ProcessRunLauncher' },
      docker: dockerEntry({ labels: { changed: 'yes' } }),
    });
    expect((await changed.launcherForRun(run)).launcherName).toBe('docker');
    const result = await changed.terminateRun(run.runId, { graceMs: 2_000 });
    expect(result.run.status).toBe('CANCELED');
    expect(await containerRunning(engine, run)).toBe(false);
  });
});
