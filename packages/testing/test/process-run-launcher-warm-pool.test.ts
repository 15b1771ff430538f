import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CodeLocation,
  Instance,
  InvalidConfigError,
  loadCodeLocation,
  type ProcessRunLauncher,
  parseInstanceConfig,
  type RunRecord,
} from 'runyard';
import { afterEach, describe, expect, it } from 'vitest';

// The process launcher's warm pool, beyond the conformance suite (process-run-launcher-warm.test.ts):
// replacement of a worker lost while idle, maxRunsPerProcess, terminate of a warm worker's group,
// and a pool that goes away with its launcher.

const JOBS = fileURLToPath(new URL('./fixtures/warm-jobs.ts', import.meta.url));
const TIMEOUT_MS = 30_000;

interface Pool {
  readonly instance: Instance;
  readonly launcher: ProcessRunLauncher;
  readonly location: CodeLocation;
  readonly dir: string;
}

const opened: Pool[] = [];

async function openPool(warmPool: Record<string, unknown>): Promise<Pool> {
  const dir = mkdtempSync(path.join(tmpdir(), 'runyard-warm-pool-'));
  const instance = await Instance.open({
    home: dir,
    config: parseInstanceConfig({ runLauncher: { class: 'ProcessRunLauncher', config: { warmPool } } }),
  });
  const launcher = (await instance.launcher()).inner as ProcessRunLauncher;
  const pool = { instance, launcher, location: await loadCodeLocation(JOBS), dir };
  opened.push(pool);
  await launcher.warmUp(
    { args: [], env: { RUNYARD_INSTANCE: instance.serialize() }, localCommand: [process.execPath] },
    dir,
  );
  return pool;
}

afterEach(async () => {
  for (const pool of opened.splice(0)) {
    const pids = (await pool.launcher.warmPoolState())?.idlePids ?? [];
    await pool.instance.dispose();
    for (const pid of pids) if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
    rmSync(pool.dir, { recursive: true, force: true });
  }
});

/** Whether any live (not zombie) process is in the group: a zombie waits for a reaper, and runs nothing. */
function groupAlive(pgid: number): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(group) === pgid && state !== 'Z') return true;
    } catch {
      // gone while we looked
    }
  }
  return false;
}

function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntil<T>(what: string, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function submit(pool: Pool, jobName: string, config: Record<string, unknown>): Promise<RunRecord> {
  return pool.instance.submitJobRun({
    job: pool.location.getJob(jobName),
    codeLocation: JOBS,
    source: 'api',
    runConfig: { ops: { [jobName]: { config } } }, // each job's one op has the job's name
  });
}

async function finished(pool: Pool, runId: string): Promise<RunRecord> {
  return waitUntil(`run ${runId} to end`, async () => {
    const run = await pool.instance.storage.runs.getRun(runId);
    return run && ['SUCCESS', 'FAILURE', 'CANCELED'].includes(run.status) ? run : undefined;
  });
}

/**
 * Three runs of a TypeScript location written here (next to the fixtures, so that it resolves
 * 'runyard'), the last after an edit: what each run's op saw of when its module was imported.
 */
async function preloadCase(warmPool: Record<string, unknown>): Promise<string[]> {
  const dir = mkdtempSync(path.join(path.dirname(JOBS), '.preload-'));
  try {
    const file = path.join(dir, 'location.ts');
    const out = path.join(dir, 'seen');
    const write = (version: string) =>
      writeFileSync(
        file,
        `import { appendFileSync } from 'node:fs';
import { defineDefinitions, job, op } from 'runyard';
// A run's worker has its launch attempt in its environment; a worker waiting for a run does not.
const when = process.env.RUNYARD_LAUNCH_ATTEMPT ? 'imported with its run' : 'imported ahead';
const seen = op({ name: 'seen', run: () => appendFileSync(${JSON.stringify(out)}, '${version} ' + when + '\\n') });
export default defineDefinitions({ jobs: [job({ name: 'seen', graph: () => void seen() })] });
`,
      );
    write('v1');
    const pool = await openPool(warmPool);
    const launchOne = async () => {
      await waitUntil('an idle worker', async () => ((await pool.launcher.warmPoolState())?.idle ?? 0) >= 1);
      const location = await loadCodeLocation(file);
      const run = await pool.instance.submitJobRun({ job: location.getJob('seen'), codeLocation: file, source: 'api' });
      expect(run.worker?.warm).toBe(true);
      expect((await finished(pool, run.runId)).status).toBe('SUCCESS');
    };
    await launchOne();
    await launchOne();
    // The replacement of the second run's worker has imported v1 (or is importing it) by now.
    await waitUntil('a full pool', async () => ((await pool.launcher.warmPoolState())?.idle ?? 0) >= 1);
    write('v2');
    await launchOne();
    return readFileSync(out, 'utf8').trim().split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Under load on the Node 24 leg, a hand-over to a warm worker fell back to a fresh worker once per
// leg (a different case each time; every run still succeeded, but these cases need the warm path).
// Not reproduced with the file alone; the cause is open (issue 17's closing note). Until then each
// case gets two more tries.
describe('ProcessRunLauncher warm pool', { retry: 2 }, () => {
  it('replaces a worker killed while idle, and the next runs still go to warm workers', async () => {
    const pool = await openPool({ size: 2 });
    const [victim, other] = (await pool.launcher.warmPoolState())?.idlePids ?? [];
    expect(victim).toBeDefined();
    process.kill(-(victim as number), 'SIGKILL');
    // A run submitted the moment a worker dies is not lost: it goes to the other one (or a fresh one).
    const file = path.join(pool.dir, 'pids');
    const first = await submit(pool, 'whoami', { file });
    expect((await finished(pool, first.runId)).status).toBe('SUCCESS');
    const replaced = await waitUntil('the pool to be full again', async () => {
      const state = await pool.launcher.warmPoolState();
      return state?.idle === 2 ? state : undefined;
    });
    expect(replaced.idlePids).not.toContain(victim);
    const second = await submit(pool, 'whoami', { file });
    const run = await finished(pool, second.runId);
    expect(run.status).toBe('SUCCESS');
    expect(run.worker?.warm).toBe(true);
    expect(
      first.worker?.pid === other || second.worker?.pid === other || replaced.idlePids.includes(other as number),
    ).toBe(true);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
    // The warm worker's output is the run's compute log, as a fresh worker's is.
    const logs = (await pool.instance.computeLogs()).localPaths(second.runId);
    const ranIn = readFileSync(file, 'utf8').trim().split('\n').at(-1);
    expect(readFileSync(logs.stdout, 'utf8').trim()).toBe(`whoami: ${ranIn}`);
  });

  it('runs at most maxRunsPerProcess runs in one worker process', async () => {
    const pool = await openPool({ size: 1, maxRunsPerProcess: 2 });
    const file = path.join(pool.dir, 'pids');
    const runs: RunRecord[] = [];
    for (let i = 0; i < 3; i++) {
      // Each run starts once the worker is back in the pool, as a later launch would find it.
      await waitUntil('an idle worker', async () => ((await pool.launcher.warmPoolState())?.idle ?? 0) >= 1);
      const submitted = await submit(pool, 'whoami', { file });
      runs.push(await finished(pool, submitted.runId));
    }
    expect(runs.map((r) => r.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    const pids = readFileSync(file, 'utf8').trim().split('\n');
    expect(pids[0]).toBe(pids[1]);
    expect(pids[2]).not.toBe(pids[0]);
    expect(runs.map((r) => r.worker?.sharedProcess)).toEqual([true, undefined, true]);
    // A run that ended in a worker that went back to the pool: healthy, and terminate leaves the worker alone.
    const launcher = await pool.instance.launcher();
    expect((await launcher.checkHealth(runs[0] as RunRecord)).status).toBe('SUCCESS');
    // The worker writes the run's exit status just after the run's last event.
    await waitUntil('the third run to be over for its worker', async () =>
      (await launcher.checkHealth(runs[2] as RunRecord)).status === 'SUCCESS' ? true : undefined,
    );
    const stop = await launcher.terminate(runs[2] as RunRecord, { graceMs: 0 });
    expect(stop.stopped).toBe(false);
    expect(groupAlive(runs[2]?.worker?.pgid as number)).toBe(true);
  });

  it('terminate of a run in a warm worker kills its whole process group', async () => {
    const pool = await openPool({ size: 1 });
    const dir = mkdtempSync(path.join(pool.dir, 'child-'));
    const submitted = await submit(pool, 'holds_child', { dir });
    expect(submitted.worker?.warm).toBe(true);
    const child = Number(
      await waitUntil('the op to start its subprocess', () =>
        existsSync(path.join(dir, 'child')) ? readFileSync(path.join(dir, 'child'), 'utf8').trim() : undefined,
      ),
    );
    expect(pidAlive(child)).toBe(true);
    const result = await pool.instance.terminateRun(submitted.runId, { graceMs: 500 });
    expect(result.escalated).toBe(true);
    await waitUntil('the group to be gone', () => !groupAlive(submitted.worker?.pgid as number));
    expect(pidAlive(child)).toBe(false);
  });

  it('a reused worker told to stop ends its run CANCELED and exits, without a kill', async () => {
    const pool = await openPool({ size: 1, maxRunsPerProcess: 5 });
    const dir = mkdtempSync(path.join(pool.dir, 'waits-'));
    const submitted = await submit(pool, 'waits', { dir });
    expect(submitted.worker?.sharedProcess).toBe(true);
    await waitUntil('the op to start', () => existsSync(path.join(dir, 'started')) || undefined);
    const result = await pool.instance.terminateRun(submitted.runId, { graceMs: 10_000 });
    expect(result.escalated).toBe(false);
    expect(result.run.status).toBe('CANCELED');
    expect(groupAlive(submitted.worker?.pgid as number)).toBe(false);
  });

  it('stops its idle workers when the launcher is disposed, leaving no process behind', async () => {
    const pool = await openPool({ size: 2 });
    const pids = (await pool.launcher.warmPoolState())?.idlePids ?? [];
    expect(pids).toHaveLength(2);
    await pool.instance.dispose();
    for (const pid of pids) expect(groupAlive(pid)).toBe(false);
  });

  // A hand-over to a warm worker may fall back to a fresh worker under heavy load (the run is
  // never lost, but this case needs the warm path): seen once in a CI leg, not reproduced alone.
  it(
    "idle workers import the last run's TypeScript location ahead, and an edited one afresh",
    { retry: 2 },
    async () => {
      const seen = await preloadCase({ size: 1 });
      // The first worker started before the pool knew the location; its replacement imported it
      // before its run (no launch attempt in its environment then); the edit is seen by the next run.
      expect(seen).toEqual(['v1 imported with its run', 'v1 imported ahead', 'v2 imported with its run']);
    },
  );

  it('with preloadCodeLocation false, every run imports its location itself', async () => {
    const seen = await preloadCase({ size: 1, preloadCodeLocation: false });
    expect(seen).toEqual(['v1 imported with its run', 'v1 imported with its run', 'v2 imported with its run']);
  });

  it('refuses a bad warmPool config, naming the key', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'runyard-warm-pool-'));
    try {
      const error = await Instance.open({
        home: dir,
        config: parseInstanceConfig({
          runLauncher: { class: 'ProcessRunLauncher', config: { warmPool: { size: 0, maxRunsPerProcess: 1.5 } } },
        }),
      }).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(InvalidConfigError);
      expect((error as Error).message).toContain('runLauncher.config.warmPool.size');
      expect((error as Error).message).toContain('must be at least 1');
      expect((error as Error).message).toContain('runLauncher.config.warmPool.maxRunsPerProcess');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
