import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Instance, type RunRecord } from 'runyard';
import { groupHasLiveMembers } from '../../src/process-group.js';
import type { QueueRunLauncher } from '../../src/queue-run-launcher.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CLI = path.resolve(here, '../../../runyard/bin/runyard.js');

/**
 * An instance home whose run launcher is QueueRunLauncher on the file's Redis, and real
 * `runyard queue worker --runs` processes (pools) started and stopped by the test.
 */
export interface RunPoolHome {
  readonly home: string;
  readonly instance: Instance;
  readonly env: NodeJS.ProcessEnv;
  launcher(): Promise<QueueRunLauncher>;
  startPool(args?: readonly string[]): PoolProcess;
  /** True while the run's job waits or runs, or any process of its run worker's group lives. */
  workerAlive(run: RunRecord): Promise<boolean>;
  close(): Promise<void>;
}

export interface PoolProcess {
  readonly child: ChildProcess;
  readonly id: string;
  readonly ready: Promise<void>;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function runPoolHome(
  redisUrl: string,
  options: { launcherConfig?: Record<string, unknown>; queue?: Record<string, unknown> } = {},
): Promise<RunPoolHome> {
  const home = await mkdtemp(path.join(tmpdir(), 'runyard-run-pool-'));
  const queue = {
    connection: { url: { env: 'TEST_REDIS_URL' } },
    lockDurationMs: 2000,
    workerHeartbeatSeconds: 1,
    ...options.queue,
  };
  const runLauncher = { class: 'QueueRunLauncher', config: { terminateGraceSeconds: 10, ...options.launcherConfig } };
  await writeFile(
    path.join(home, 'runyard.yaml'),
    `queue: ${JSON.stringify(queue)}\nrunLauncher: ${JSON.stringify(runLauncher)}\n`,
  );
  process.env.TEST_REDIS_URL = redisUrl;
  const env = { ...process.env, RUNYARD_HOME: home, TEST_REDIS_URL: redisUrl };
  const instance = await Instance.open({ home });
  const pools: PoolProcess[] = [];
  const launcher = async () => (await instance.launcher()).inner as QueueRunLauncher;
  return {
    home,
    instance,
    env,
    launcher,
    startPool(args = []) {
      const id = `pool-${pools.length + 1}`;
      const child = spawn(process.execPath, [CLI, 'queue', 'worker', '--runs', '--name', id, ...args], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      let onReady: () => void = () => {};
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const ready = new Promise<void>((resolve, reject) => {
        onReady = resolve;
        void exited.then((code) => reject(new Error(`pool ${id} exited ${code} before it was ready:\n${output}`)));
      });
      ready.catch(() => {});
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(`runyard queue worker ${id}:`)) onReady();
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      const pool: PoolProcess = {
        child,
        id,
        ready,
        output: () => output,
        async stop(signal = 'SIGTERM') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      };
      pools.push(pool);
      return pool;
    },
    async workerAlive(run) {
      const where = await (await launcher()).locate((await instance.storage.runs.getRun(run.runId)) ?? run);
      if (!where || where.state === 'missing') return false;
      if (where.state !== 'completed' && where.state !== 'failed') return true;
      const pgid = where.result?.pgid ?? where.holder?.pgid;
      return pgid !== undefined && groupAlive(pgid);
    },
    async close() {
      // SIGKILL: a pool's run workers die with it (its supervisor's watcher), so nothing is left.
      await Promise.all(pools.map((p) => p.stop('SIGKILL')));
      await instance.dispose();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Whether a process of the group still runs (zombies waiting to be reaped do not count). */
export function groupAlive(pgid: number): boolean {
  return groupHasLiveMembers(pgid);
}

/** Polls until `check` gives a value. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
