// The threads executor on the path users take: `runyard job launch`, the process launcher, a run
// worker that loads the threads executor for the job, compute logs, and `run terminate`.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempHome } from './cli-helpers.js';

const JOBS = path.join(repoRoot, 'packages/runyard/test/fixtures/threads-jobs.ts');
const runIdIn = (text: string) => /([0-9a-f]{8}-[0-9a-f-]{27})/.exec(text)?.[1] as string;

interface LoggedEvent {
  readonly type: string;
  readonly stepKey?: string;
  readonly message: string;
  readonly error?: { readonly message: string };
}

/** `run logs --json`: one event per line. */
async function eventsOf(home: string, runId: string): Promise<LoggedEvent[]> {
  const { stdout } = await runCli(['run', 'logs', runId, '--json'], { home });
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LoggedEvent);
}

/** True while the process runs (a zombie that its parent has not reaped yet has finished). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a job on the threads executor, launched as a user launches it', () => {
  const home = tempHome();

  it('runs to SUCCESS in a launched worker; the steps print into the run compute logs', async () => {
    const launched = await runCli(['job', 'launch', '-f', JOBS, '-j', 'threads_hello', '--wait'], { home });
    expect(launched.code).toBe(0);
    expect(launched.stdout).toMatch(/SUCCESS in .* \(steps: 2 done · 0 running · 0 failed\)/);
    const runId = runIdIn(launched.stdout);
    const stdout = (await runCli(['run', 'logs', runId, '--stdout'], { home })).stdout;
    // Step threads have ids from 1; the worker's main thread is 0.
    expect(stdout).toMatch(/^hello from thread [1-9]\d*\nHELLO!\n$/);
    expect((await runCli(['run', 'logs', runId, '--stderr'], { home })).stdout).toBe('a warning from greet\n');
    const events = await eventsOf(home, runId);
    expect(events.find((e) => e.type === 'LOG')).toMatchObject({ stepKey: 'greet', message: 'greeted' });
    expect(events.filter((e) => e.type === 'STEP_SUCCESS').map((e) => e.stepKey)).toEqual(['greet', 'shout']);
  });

  it('run terminate stops a step that ignores its abort signal: its thread is terminated', async () => {
    const dir = mkdtempSync(path.join(home, 'scratch-'));
    const launched = await runCli(['job', 'launch', '-f', JOBS, '-j', 'threads_stubborn', '--tag', `test/dir=${dir}`], {
      home,
    });
    expect(launched.code).toBe(0);
    const runId = launched.stdout.trim();
    await waitUntil('the step to start', () => existsSync(path.join(dir, 'spins.started')));
    const workerPid = Number(readFileSync(path.join(dir, 'spins.started'), 'utf8'));
    const terminated = await runCli(['run', 'terminate', runId], { home });
    expect(terminated.code).toBe(0);
    // The worker recorded the cancel itself, after the threads executor's grace: SIGTERM was enough.
    expect(terminated.stdout).toMatch(
      new RegExp(`run ${runId} CANCELED: sent SIGTERM to process group \\d+; it exited`),
    );
    const events = await eventsOf(home, runId);
    expect(events.find((e) => e.type === 'STEP_FAILURE' && e.stepKey === 'spins')?.error?.message).toBe(
      'step thread was terminated: the run was cancelled and the step had not stopped 5000 ms after its signal was aborted',
    );
    expect(events.at(-1)?.type).toBe('RUN_CANCELED');
    await waitUntil('the worker process to be gone', () => !running(workerPid));
  });
});
