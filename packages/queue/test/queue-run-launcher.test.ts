import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CodeLocation, loadCodeLocation, MonitoringDaemon, type RunRecord, type RunStatus } from 'runyard';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis } from './redis-server.js';
import { CLI, groupAlive, type PoolProcess, type RunPoolHome, runPoolHome, waitFor } from './support/run-pool.js';

/** A port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const JOBS = fileURLToPath(new URL('./fixtures/run-pool-jobs.ts', import.meta.url));
const ENDED: readonly RunStatus[] = ['SUCCESS', 'FAILURE', 'CANCELED'];

describeWithRedis('QueueRunLauncher and `runyard queue worker --runs`', (redis) => {
  let home: RunPoolHome;
  let location: CodeLocation;
  let pools: PoolProcess[] = [];

  beforeAll(async () => {
    home = await runPoolHome(redis().url, { launcherConfig: { queues: ['runs', 'gpu', 'batch'] } });
    location = await loadCodeLocation(JOBS);
    pools = [home.startPool(['--concurrency', '3']), home.startPool(['--concurrency', '3'])];
    await Promise.all(pools.map((p) => p.ready));
  }, 60_000);
  afterAll(async () => {
    await home?.close();
  });

  const submit = (jobName: string, ops: Record<string, unknown> = {}, tags: Record<string, string> = {}) =>
    home.instance.submitJobRun({
      job: location.getJob(jobName),
      codeLocation: JOBS,
      source: 'api',
      runConfig: { ops: Object.fromEntries(Object.entries(ops).map(([k, config]) => [k, { config }])) },
      tags,
    });
  const waitForStatus = (runId: string, statuses: readonly RunStatus[]) =>
    waitFor(`run ${runId} to be ${statuses.join('|')}`, async () => {
      const run = await home.instance.storage.runs.getRun(runId);
      return run && statuses.includes(run.status) ? run : undefined;
    });
  const locate = async (run: RunRecord) =>
    (await home.launcher()).locate((await home.instance.storage.runs.getRun(run.runId)) ?? run);
  const holderOf = (run: RunRecord) =>
    waitFor('a pool worker to hold the run', async () => (await locate(run))?.holder);
  /** The run's status is recorded before its worker exits: wait for the job to end too. */
  const waitForEnd = async (run: RunRecord) => {
    const ended = await waitForStatus(run.runId, ENDED);
    await waitFor('the run job to end', async () => !(await home.workerAlive(run)) || undefined);
    return ended;
  };
  /** Run monitoring, as the daemon would run it, until the run has ended and its job too. */
  const monitorUntilEnded = async (run: RunRecord) => {
    const monitoring = new MonitoringDaemon(home.instance);
    const signal = new AbortController().signal;
    await waitFor('run monitoring to see the run end', async () => {
      await monitoring.runIteration({ instance: home.instance, daemonId: 'test-monitoring', signal, log: () => {} });
      const now = await home.instance.storage.runs.getRun(run.runId);
      return now && ENDED.includes(now.status) ? now : undefined;
    });
    return waitForEnd(run);
  };
  const scratch = () => mkdtempSync(path.join(home.home, 'markers-'));

  it('two pool workers never run the same run: each run has one run worker, on one pool', async () => {
    const runs = await Promise.all(Array.from({ length: 8 }, () => submit('quick')));
    for (const run of runs) expect((await waitForEnd(run)).status).toBe('SUCCESS');
    for (const run of runs) {
      const events = await home.instance.storage.events.getEvents(run.runId);
      expect(events.filter((e) => e.type === 'RUN_START')).toHaveLength(1);
      expect(events.some((e) => e.message.includes('refused'))).toBe(false);
      const where = await locate(run);
      expect(where?.state).toBe('completed');
      expect(pools.map((p) => p.id)).toContain(where?.result?.pool);
      expect(where?.result?.exitCode).toBe(0);
    }
  });

  it('a run tag picks the run queue; an unknown queue is refused at submit and nothing is written', async () => {
    const before = (await home.instance.storage.runs.listRuns({})).length;
    await expect(submit('quick', {}, { 'runyard/run_queue': 'nope' })).rejects.toThrow(
      /runyard\/run_queue: unknown run queue 'nope'.*queues are runs, gpu, batch/,
    );
    const cli = spawnSync(
      process.execPath,
      [CLI, 'job', 'launch', '-f', JOBS, '-j', 'quick', '--tag', 'runyard/run_queue=nope'],
      { env: home.env, encoding: 'utf8' },
    );
    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain("unknown run queue 'nope'");
    expect(cli.stderr).not.toMatch(/\n\s+at /);
    expect((await home.instance.storage.runs.listRuns({})).length).toBe(before);

    // No pool takes `gpu` yet: the run waits, and its health says so.
    const run = await submit('quick', {}, { 'runyard/run_queue': 'gpu' });
    const launcher = await home.instance.launcher();
    const health = await launcher.checkHealth((await home.instance.storage.runs.getRun(run.runId)) as RunRecord);
    expect(health).toMatchObject({ status: 'UNKNOWN', transient: true });
    expect(health.reason).toContain("waiting for a pool worker of queue 'gpu'");
    const gpu = home.startPool(['--queues', 'gpu']);
    expect((await waitForEnd(run)).status).toBe('SUCCESS');
    expect((await locate(run))?.result?.pool).toBe(gpu.id);
    expect(await gpu.stop('SIGTERM')).toBe(0);
  });

  it('terminate of a run on a pool worker: the run worker process group is gone, the pool goes on', async () => {
    const dir = scratch();
    const run = await submit('gated', { first: { dir }, gated: { dir } });
    await waitFor('the op to start', async () => existsSync(path.join(dir, 'started')) || undefined);
    const holder = await holderOf(run);
    expect(groupAlive(holder.pgid)).toBe(true);
    const result = await home.instance.terminateRun(run.runId, { graceMs: 5_000 });
    expect(result).toMatchObject({ changed: true, run: { status: 'CANCELED' } });
    expect(groupAlive(holder.pgid)).toBe(false);
    const where = await locate(run);
    expect(where?.holder).toBeUndefined();
    expect(where?.result?.terminated?.detail).toContain(`pool worker ${holder.pool}`);
    const pool = pools.find((p) => p.id === holder.pool);
    expect(pool?.child.exitCode).toBeNull();
    // Terminating again finds nothing to stop.
    const again = await (await home.instance.launcher()).inner.terminate({ run: result.run, graceMs: 0 });
    expect(again.stopped).toBe(false);
  });

  it('SIGTERM to a pool: it takes no more runs and lets its running run worker finish', async () => {
    const dir = scratch();
    const run = await submit('gated', { first: { dir }, gated: { dir } });
    await waitFor('the op to start', async () => existsSync(path.join(dir, 'started')) || undefined);
    const holder = await holderOf(run);
    const pool = pools.find((p) => p.id === holder.pool) as PoolProcess;
    const exited = pool.stop('SIGTERM');
    await waitFor('the pool to say it stops', async () => pool.output().includes('stopping after 1 run') || undefined);
    // A run launched now goes to the other pool.
    const other = await submit('quick');
    expect((await waitForEnd(other)).status).toBe('SUCCESS');
    expect((await locate(other))?.result?.pool).not.toBe(pool.id);
    expect(pool.child.exitCode).toBeNull();
    writeFileSync(path.join(dir, 'release'), '');
    expect((await waitForStatus(run.runId, ENDED)).status).toBe('SUCCESS');
    expect(await exited).toBe(0);
    pools = [...pools.filter((p) => p !== pool), home.startPool(['--concurrency', '3'])];
    await Promise.all(pools.map((p) => p.ready));
  });

  it('SIGTERM to a pool hands back a run it took but had no free slot for', async () => {
    const dir = scratch();
    const pool = home.startPool(['--queues', 'gpu,batch', '--concurrency', '1']);
    await pool.ready;
    const held = await submit('gated', { first: { dir }, gated: { dir } }, { 'runyard/run_queue': 'gpu' });
    await waitFor('the op to start', async () => existsSync(path.join(dir, 'started')) || undefined);
    const waiting = await submit('quick', {}, { 'runyard/run_queue': 'batch' });
    // Taken from the batch queue (active), but the pool's one slot is busy: no run worker yet.
    await waitFor('the pool to take the second run', async () => {
      const where = await locate(waiting);
      return where?.state === 'active' && where.holder === undefined ? true : undefined;
    });
    const exited = pool.stop('SIGTERM');
    await waitFor('the run to be handed back', async () =>
      (await locate(waiting))?.state === 'waiting' ? true : undefined,
    );
    const batch = home.startPool(['--queues', 'batch']);
    expect((await waitForEnd(waiting)).status).toBe('SUCCESS');
    expect((await locate(waiting))?.result?.pool).toBe(batch.id);
    writeFileSync(path.join(dir, 'release'), '');
    expect((await waitForEnd(held)).status).toBe('SUCCESS');
    expect(await exited).toBe(0);
    expect(await batch.stop('SIGTERM')).toBe(0);
  });

  it('a pool worker SIGKILLed while holding a run: its run worker dies with it, health says why, monitoring resumes the run elsewhere', async () => {
    const dir = scratch();
    const run = await submit('gated', { first: { dir }, gated: { dir, once: true } });
    await waitFor('the op to start', async () => existsSync(path.join(dir, 'started')) || undefined);
    const holder = await holderOf(run);
    const pool = pools.find((p) => p.id === holder.pool) as PoolProcess;
    await pool.stop('SIGKILL');
    await waitFor('the run worker group to be gone', async () => !groupAlive(holder.pgid) || undefined);

    const launcher = await home.instance.launcher();
    const health = await waitFor('the health check to see the loss', async () => {
      const h = await launcher.checkHealth((await home.instance.storage.runs.getRun(run.runId)) as RunRecord);
      return h.status === 'FAILED' ? h : undefined;
    });
    expect(health.reason).toContain(`pool worker ${holder.pool}`);
    expect(health.reason).toContain('killed with it');
    expect(health).toMatchObject({ failureClass: 'infra', retryable: true });

    expect((await monitorUntilEnded(run)).status).toBe('SUCCESS');
    expect(readFileSync(path.join(dir, 'first-ran'), 'utf8').trim().split('\n')).toHaveLength(1);
    const events = await home.instance.storage.events.getEvents(run.runId);
    expect(events.some((e) => e.message.includes('resuming run'))).toBe(true);
    const resumedOn = (await locate(run))?.result?.pool;
    expect(resumedOn).toBeDefined();
    expect(resumedOn).not.toBe(holder.pool);
  });

  it('a pool worker frozen past its lock kills its run worker as it wakes, before the run is resumed elsewhere', async () => {
    const dir = scratch();
    const run = await submit('gated', { first: { dir }, gated: { dir, once: true } });
    await waitFor('the op to start', async () => existsSync(path.join(dir, 'started')) || undefined);
    const holder = await holderOf(run);
    const pool = pools.find((p) => p.id === holder.pool) as PoolProcess;
    const launcher = await home.instance.launcher();
    process.kill(pool.child.pid as number, 'SIGSTOP');
    try {
      const health = await waitFor('the health check to see the lock lost', async () => {
        const h = await launcher.checkHealth((await home.instance.storage.runs.getRun(run.runId)) as RunRecord);
        return h.status === 'FAILED' ? h : undefined;
      });
      expect(health).toMatchObject({ failureClass: 'infra', retryable: true });
    } finally {
      process.kill(pool.child.pid as number, 'SIGCONT');
    }
    await waitFor('the woken pool to kill its run worker', async () => !groupAlive(holder.pgid) || undefined);
    await waitFor('the pool to say why', async () =>
      pool.output().includes(`killing the run worker of run ${run.runId}`) ? true : undefined,
    );
    expect(pool.child.exitCode).toBeNull();
    const health = await launcher.checkHealth((await home.instance.storage.runs.getRun(run.runId)) as RunRecord);
    expect(health).toMatchObject({ status: 'FAILED', failureClass: 'infra', retryable: true });

    expect((await monitorUntilEnded(run)).status).toBe('SUCCESS');
    expect(readFileSync(path.join(dir, 'first-ran'), 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('Redis unreachable: a health check says UNKNOWN (transient) naming Redis, and a launch fails', async () => {
    const { QueueRunLauncher } = await import('../src/queue-run-launcher.js');
    const closed = `redis://127.0.0.1:${await closedPort()}`;
    const launcher = new QueueRunLauncher({ connection: { url: closed }, redisTimeoutSeconds: 0.5 });
    try {
      const run = {
        ...(await submit('quick')),
        worker: { launcher: 'QueueRunLauncher', externalId: 'x.0', queue: 'runs', bullQueue: 'runs.runs' },
      };
      const health = await launcher.checkRunWorkerHealth(run);
      expect(health).toMatchObject({ status: 'UNKNOWN', transient: true });
      expect(health.reason).toContain(`no answer from ${closed}`);
      const recorded: unknown[] = [];
      await expect(
        launcher.launchRun({
          run,
          worker: { args: ['worker', 'execute-run', run.runId], env: {}, localCommand: [] },
          home: home.home,
          computeLogs: await home.instance.computeLogs(),
          recordWorker: async (ref) => void recorded.push(ref),
        }),
      ).rejects.toThrow(`could not look up the run job: no answer from ${closed}`);
      expect(recorded).toEqual([]);
      await waitForEnd(run);
    } finally {
      await launcher.dispose();
    }
  });

  it('bad flags or config: exit 2 naming the flag or key, no stack trace', async () => {
    const flag = spawnSync(process.execPath, [CLI, 'queue', 'worker', '--runs', '--concurrency', '0'], {
      env: home.env,
      encoding: 'utf8',
    });
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain('--concurrency');
    const modes = spawnSync(process.execPath, [CLI, 'queue', 'worker', '--runs', '--steps'], {
      env: home.env,
      encoding: 'utf8',
    });
    expect(modes.status).toBe(2);
    expect(modes.stderr).toContain('choose one of --steps, --runs');
    expect(modes.stderr).not.toMatch(/\n\s+at /);

    const bad = mkdtempSync(path.join(tmpdir(), 'runyard-run-pool-bad-'));
    try {
      const queue = { connection: { url: { env: 'TEST_REDIS_URL' } }, lockDurationMs: 5 };
      writeFileSync(path.join(bad, 'runyard.yaml'), `queue: ${JSON.stringify(queue)}\n`);
      const env = { ...home.env, RUNYARD_HOME: bad };
      const section = spawnSync(process.execPath, [CLI, 'queue', 'worker', '--runs'], { env, encoding: 'utf8' });
      expect(section.status).toBe(2);
      expect(section.stderr).toContain('queue.lockDurationMs');
      expect(section.stderr).not.toMatch(/\n\s+at /);

      const launcher = { class: 'QueueRunLauncher', config: { queue: 'no spaces', terminateGraceSeconds: 1 } };
      writeFileSync(
        path.join(bad, 'runyard.yaml'),
        `queue: ${JSON.stringify({ connection: queue.connection })}\nrunLauncher: ${JSON.stringify(launcher)}\n`,
      );
      const launch = spawnSync(process.execPath, [CLI, 'job', 'launch', '-f', JOBS, '-j', 'quick'], {
        env,
        encoding: 'utf8',
      });
      expect(launch.status).toBe(2);
      expect(launch.stderr).toContain('runLauncher.config.queue');
      expect(launch.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});
