import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Instance, loadCodeLocation, type RunRecord, type RunStatus } from 'runyard';

const here = path.dirname(fileURLToPath(import.meta.url));
export const JOBS = path.resolve(here, '../fixtures/queue-jobs.ts');
export const CLI = path.resolve(here, '../../../runyard/bin/runyard.js');

/**
 * An instance home for one test file: SQLite, the process launcher, a `queue:` section pointing
 * at the file's Redis, and a directory the fixture jobs write their marker files to.
 */
export interface QueueHarness {
  readonly home: string;
  readonly markers: string;
  readonly instance: Instance;
  readonly location: Awaited<ReturnType<typeof loadCodeLocation>>;
  startWorker(args: readonly string[]): QueueWorkerProcess;
  submit(jobName: string, tags?: Record<string, string>): Promise<RunRecord>;
  waitForStatus(runId: string, statuses: readonly RunStatus[], timeoutMs?: number): Promise<RunRecord>;
  marker(name: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface QueueWorkerProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly ready: Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function queueHarness(redisUrl: string, queue: Record<string, unknown> = {}): Promise<QueueHarness> {
  const home = await mkdtemp(path.join(tmpdir(), 'runyard-queue-home-'));
  const markers = path.join(home, 'markers');
  await import('node:fs/promises').then((fs) => fs.mkdir(markers));
  const section = {
    connection: { url: { env: 'TEST_REDIS_URL' } },
    lockDurationMs: 10_000,
    reconcileIntervalSeconds: 1,
    workerHeartbeatSeconds: 1,
    terminateGraceSeconds: 2,
    sharedIoManager: true,
    ...queue,
  };
  await writeFile(path.join(home, 'runyard.yaml'), `queue: ${JSON.stringify(section)}\n`);
  process.env.TEST_REDIS_URL = redisUrl;
  process.env.QUEUE_TEST_DIR = markers;
  const instance = await Instance.open({ home });
  const location = await loadCodeLocation(JOBS);
  const workers: QueueWorkerProcess[] = [];
  const env = { ...process.env, RUNYARD_HOME: home, TEST_REDIS_URL: redisUrl, QUEUE_TEST_DIR: markers };
  const harness: QueueHarness = {
    home,
    markers,
    instance,
    location,
    startWorker(args) {
      const child = spawn(process.execPath, [CLI, 'queue', 'worker', ...args], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      let onReady: () => void = () => {};
      const ready = new Promise<void>((resolve, reject) => {
        onReady = resolve;
        child.on('exit', (code) => reject(new Error(`queue worker exited ${code} before it was ready:\n${output}`)));
      });
      ready.catch(() => {});
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('runyard queue worker ')) onReady();
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      const worker: QueueWorkerProcess = {
        child,
        output: () => output,
        ready,
        async stop(signal = 'SIGTERM') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      };
      workers.push(worker);
      return worker;
    },
    submit(jobName, tags = {}) {
      return instance.submitJobRun({ job: location.getJob(jobName), codeLocation: JOBS, source: 'api', tags });
    },
    async waitForStatus(runId, statuses, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const run = await instance.storage.runs.getRun(runId);
        if (run && statuses.includes(run.status)) return run;
        if (Date.now() > deadline) {
          const events = await instance.storage.events.getEvents(runId);
          throw new Error(
            `run ${runId} is ${run?.status}, not ${statuses.join('|')}:\n${events.map((e) => `  ${e.type} ${e.stepKey ?? ''}: ${e.message}`).join('\n')}\n${workers.map((w) => w.output()).join('\n---\n')}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async marker(name) {
      const text = await readFile(path.join(markers, name), 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean);
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop('SIGKILL')));
      await instance.dispose();
      await rm(home, { recursive: true, force: true });
    },
  };
  return harness;
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
