import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startApiHarness } from '../fixtures/api-harness.js';
import { fixture } from '../fixtures/yard-harness.js';

/** Step selection through the HTTP API: validate, launch (with fromRun) and re-execute. */

let h: ApiHarness;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'runyard-api-selection-'));
  // The fixture's ops log here; run workers inherit it.
  process.env.SELECTION_TEST_DIR = dir;
  h = await startApiHarness({ codeLocation: fixture('selection-jobs.ts') });
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
  delete process.env.SELECTION_TEST_DIR;
});

const runCount = async () => (await h.api('GET', '/api/runs/counts')).body.total as number;
const stepsOf = async (runId: string) =>
  (await h.api('GET', `/api/runs/${runId}`)).body.steps.map((s: { stepKey: string; status: string }) => [
    s.stepKey,
    s.status,
  ]);

describe('step selection over HTTP', { timeout: 60_000 }, () => {
  it('validate resolves a selection to its steps, or lists every unmatched term', async () => {
    const ok = await h.api('POST', '/api/runs/validate', { job: 'daily', selection: 'extract+' });
    expect(ok.body).toEqual({ valid: true, issues: [], selectedSteps: ['extract', 'load_users', 'load_orders'] });
    const bad = await h.api('POST', '/api/runs/validate', { job: 'daily', selection: 'nope, report, zz*' });
    expect(bad.status).toBe(200);
    expect(bad.body.valid).toBe(false);
    expect(bad.body.issues).toEqual([
      { path: 'selection', term: 'nope', message: "'nope' names no step of the job" },
      { path: 'selection', term: 'zz*', message: "'zz*' matches no step" },
    ]);
    const needsParent = await h.api('POST', '/api/runs/validate', { job: 'daily', selection: 'report+' });
    expect(needsParent.body.selectedSteps).toEqual(['report', 'publish']);
    expect(needsParent.body.issues.map((i: { term: string }) => i.term)).toEqual(['load_users', 'load_orders']);
  });

  it('launch answers 400 with every problem, and writes nothing', async () => {
    const before = await runCount();
    const bad = await h.api('POST', '/api/runs', { job: 'daily', selection: 'nope,+repor' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("cannot launch job 'daily'");
    expect(bad.body.error.issues.map((i: { term: string }) => i.term)).toEqual(['nope', '+repor']);
    const unknownRun = await h.api('POST', '/api/runs', { job: 'daily', selection: 'report', fromRun: 'no-such-run' });
    expect(unknownRun.status).toBe(400);
    expect(unknownRun.body.error.issues).toEqual([{ path: 'fromRun', message: "run 'no-such-run' was not found" }]);
    const noSelection = await h.api('POST', '/api/runs', { job: 'daily', fromRun: 'x' });
    expect(noSelection.status).toBe(400);
    expect(await runCount()).toBe(before);
  });

  it('launches a selection from a parent run and re-executes a failed step, refusing a missing output', async () => {
    writeFileSync(path.join(dir, 'orders.fail'), '');
    const parent = (await h.api('POST', '/api/runs', { job: 'daily' })).body.run;
    await h.waitForStatus(parent.runId, ['FAILURE']);
    rmSync(path.join(dir, 'orders.fail'));

    const before = await runCount();
    const missing = await h.api('POST', '/api/runs', { job: 'daily', selection: 'report', fromRun: parent.runId });
    expect(missing.status).toBe(400);
    expect(missing.body.error.issues[0].message).toContain(`run ${parent.runId} has no output of step 'load_orders'`);
    const badRetry = await h.api('POST', `/api/runs/${parent.runId}/retry`, { selection: 'load_orderz' });
    expect(badRetry.status).toBe(400);
    expect(badRetry.body.error.issues).toEqual([
      { path: 'selection', term: 'load_orderz', message: "'load_orderz' names no step of the job" },
    ]);
    expect(await runCount()).toBe(before);

    const retried = await h.api('POST', `/api/runs/${parent.runId}/retry`, { selection: 'load_orders' });
    expect(retried.status).toBe(201);
    expect(retried.body.run.tags).toMatchObject({ 'runyard/step_selection': 'load_orders' });
    await h.waitForStatus(retried.body.run.runId, ['SUCCESS']);
    expect(await stepsOf(retried.body.run.runId)).toEqual([['load_orders', 'SUCCESS']]);

    const rest = await h.api('POST', '/api/runs', {
      job: 'daily',
      selection: 'report*',
      fromRun: retried.body.run.runId,
    });
    expect(rest.status).toBe(201);
    expect(rest.body.run.parentRunId).toBe(retried.body.run.runId);
    await h.waitForStatus(rest.body.run.runId, ['SUCCESS']);
    expect(await stepsOf(rest.body.run.runId)).toEqual([
      ['report', 'SUCCESS'],
      ['publish', 'SUCCESS'],
    ]);
  });
});
