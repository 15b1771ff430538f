import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectUserError } from './cli-helpers.js';
import { fixture, YardHarness } from './fixtures/yard-harness.js';

/** Step selection from the CLI, with the process launcher: `job launch|execute --select`, `run retry --select`. */

const JOBS = fixture('selection-jobs.ts');
let harness: YardHarness;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'runyard-selection-'));
  // The fixture's ops log here; the CLI, its run workers and their step processes inherit it.
  process.env.SELECTION_TEST_DIR = dir;
  harness = new YardHarness();
});
afterEach(async () => {
  await harness.cleanup();
  rmSync(dir, { recursive: true, force: true });
  delete process.env.SELECTION_TEST_DIR;
});

/** `<runId> <input>` lines an op logged, one per execution. */
const executions = (op: string) => {
  const file = path.join(dir, `${op}.log`);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
};

async function launch(args: string[]): Promise<{ code: number | null; runId: string; stdout: string }> {
  const result = await harness.cli(['job', 'launch', '-f', JOBS, ...args, '--wait']);
  const runId = /run ([0-9a-f-]{36}) (SUCCESS|FAILURE)/.exec(result.stdout)?.[1] as string;
  return { code: result.code, runId, stdout: `${result.stdout}${result.stderr}` };
}

async function stepStatuses(runId: string): Promise<Record<string, string>> {
  const shown = await harness.cli(['run', 'show', runId, '--json']);
  const steps = JSON.parse(shown.stdout).steps as Array<{ stepKey: string; status: string }>;
  return Object.fromEntries(steps.map((s) => [s.stepKey, s.status]));
}

describe('step selection from the CLI', { timeout: 120_000 }, () => {
  it('job launch --select runs only the selected steps; the others are not in the run at all', async () => {
    const run = await launch(['-j', 'daily', '--select', 'extract+']);
    expect(run.code, run.stdout).toBe(0);
    expect(await stepStatuses(run.runId)).toEqual({
      extract: 'SUCCESS',
      load_users: 'SUCCESS',
      load_orders: 'SUCCESS',
    });
    expect(executions('report')).toEqual([]);
    const shown = await harness.cli(['run', 'show', run.runId]);
    expect(shown.stdout).toContain('selection  extract+ (steps: extract,load_users,load_orders)');
  });

  it('refuses unmatched terms and a selection that needs a run to read from, naming each, writing nothing', async () => {
    const unmatched = await harness.cli([
      'job',
      'launch',
      '-f',
      JOBS,
      '-j',
      'daily',
      '--select',
      'report,nope,+repor,zz*',
    ]);
    expectUserError(
      unmatched,
      "'nope' names no step of the job; '+repor' names no step of the job; 'zz*' matches no step",
    );
    const noParent = await harness.cli(['job', 'launch', '-f', JOBS, '-j', 'daily', '--select', 'load_*']);
    expectUserError(noParent, "selected steps 'load_users', 'load_orders' read the output of 'extract'");
    const execute = await harness.cli(['job', 'execute', '-f', JOBS, '-j', 'daily', '--select', 'nope']);
    expectUserError(execute, "'nope' names no step of the job");
    expect(await harness.runs()).toEqual([]);
  });

  it('re-executes one failed step of a run, reading its upstream outputs from that run', async () => {
    writeFileSync(path.join(dir, 'orders.fail'), '');
    const parent = await launch(['-j', 'daily']);
    expect(parent.code).toBe(1);

    // report reads load_orders, which failed in the parent: refused before any run is made.
    const before = (await harness.runs()).length;
    const missing = await harness.cli([
      'job',
      'launch',
      '-f',
      JOBS,
      '-j',
      'daily',
      '--select',
      'report',
      '--from-run',
      parent.runId,
    ]);
    expectUserError(missing, `run ${parent.runId} has no output of step 'load_orders'`);
    expect(await harness.runs()).toHaveLength(before);

    rmSync(path.join(dir, 'orders.fail'));
    const retried = await harness.cli(['run', 'retry', parent.runId, '--select', 'load_orders']);
    expect(retried.code, retried.stderr).toBe(0);
    const retryId = retried.stdout.trim();
    const retry = await harness.waitFor('the retry to end', async () => {
      const [run] = await harness.runs({ runIds: [retryId] });
      return run && ['SUCCESS', 'FAILURE'].includes(run.status) && run;
    });
    expect(retry).toMatchObject({
      status: 'SUCCESS',
      parentRunId: parent.runId,
      tags: { 'runyard/reexecution': 'selection', 'runyard/selected_steps': 'load_orders' },
    });
    expect(await stepStatuses(retryId)).toEqual({ load_orders: 'SUCCESS' });
    expect(executions('extract')).toEqual([`${parent.runId} null`]);
    expect(executions('load_orders')).toEqual([`${parent.runId} 10`, `${retryId} 10`]);

    // Downstream of both: load_users from the first run, load_orders from the retry.
    const rest = await launch(['-j', 'daily', '--select', 'report*', '--from-run', retryId]);
    expect(rest.code, rest.stdout).toBe(0);
    expect(executions('report')).toEqual([`${rest.runId} [11,12]`]);
    expect(executions('publish')).toEqual([`${rest.runId} 23`]);
    expect(executions('load_users')).toHaveLength(1);
  });

  it('runs a selection in the multiprocess executor and with job execute', async () => {
    const parent = await launch(['-j', 'daily_mp', '--select', '+load_users']);
    expect(parent.code, parent.stdout).toBe(0);
    expect(await stepStatuses(parent.runId)).toEqual({ extract: 'SUCCESS', load_users: 'SUCCESS' });

    const executed = await harness.cli([
      'job',
      'execute',
      '-f',
      JOBS,
      '-j',
      'daily_mp',
      '--select',
      'load_orders',
      '--from-run',
      parent.runId,
    ]);
    expect(executed.code, executed.stderr).toBe(0);
    expect(executions('load_orders')).toHaveLength(1);
    expect(executions('load_orders')[0]).toMatch(/ 10$/);
    expect(executions('extract')).toHaveLength(1);
  });
});
