import { afterEach, describe, expect, it } from 'vitest';
import { defineDefinitions } from '../../definitions/definitions.js';
import { job } from '../../definitions/job.js';
import { op } from '../../definitions/op.js';
import type { Instance } from '../../instance/instance.js';
import { automaticRetryRunId, retryRun } from '../../retries/retry-run.js';
import type { RunRecord } from '../../runs/run-record.js';
import { memoryLocation, queueingHome } from '../schedules/__fixtures__/test-instance.js';
import { RunRetrier } from './run-retrier.js';

const step = op({ name: 'step', run: () => 1 });
const nightly = job({ name: 'nightly', tags: { team: 'data' }, graph: () => void step() });
const LOCATION = memoryLocation('memory:jobs', defineDefinitions({ jobs: [nightly] }));
const load = async () => LOCATION;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function home(yaml = '') {
  const h = queueingHome(yaml);
  cleanups.push(h.cleanup);
  return h;
}

/** A run that went all the way to FAILURE because `failedSteps` failed (none: its worker died). */
async function failedRun(
  instance: Instance,
  tags: Record<string, string>,
  failedSteps: string[] = ['step'],
): Promise<RunRecord> {
  const run = await instance.storage.runs.createRun({
    jobName: 'nightly',
    tags,
    origin: { codeLocation: 'memory:jobs', source: 'cli' },
  });
  return fail(instance, run, failedSteps);
}

async function fail(instance: Instance, run: RunRecord, failedSteps: string[] = ['step']): Promise<RunRecord> {
  const runs = instance.storage.runs;
  if (run.status === 'NOT_STARTED' || run.status === 'QUEUED')
    await runs.transition({ runId: run.runId, type: 'RUN_STARTING' });
  await runs.transition({ runId: run.runId, type: 'RUN_START' });
  const failed = await runs.transition({
    runId: run.runId,
    type: 'RUN_FAILURE',
    data: failedSteps.length ? { failedSteps, skippedSteps: [] } : {},
  });
  if (!failed.applied) throw new Error('could not fail the run');
  return failed.run;
}

const retriesOf = (instance: Instance, runId: string) =>
  instance.storage.runs.listRuns({ tags: { 'runyard/parent_run_id': runId } });

describe('RunRetrier', () => {
  it('submits one linked retry per failed run, and says so on the failed run', async () => {
    const h = await home();
    const instance = await h.open();
    const retrier = new RunRetrier(instance, { loadCodeLocation: load });
    const parent = await failedRun(instance, {
      'runyard/max_retries': '1',
      owner: 'ana',
      'runyard/resume_attempt': '1',
      'runyard/launch_attempt': '2',
    });

    const [outcome] = await retrier.pass();
    const retryId = automaticRetryRunId(parent);
    expect(outcome).toEqual({ runId: parent.runId, retried: true, retryRunId: retryId, createdNow: true });
    const retry = await instance.storage.runs.getRun(retryId);
    expect(retry).toMatchObject({
      status: 'QUEUED',
      jobName: 'nightly',
      parentRunId: parent.runId,
      rootRunId: parent.runId,
      origin: { codeLocation: 'memory:jobs', source: 'retry' },
      tags: {
        team: 'data',
        owner: 'ana',
        'runyard/max_retries': '1',
        'runyard/parent_run_id': parent.runId,
        'runyard/root_run_id': parent.runId,
        'runyard/retry_number': '1',
        'runyard/reexecution': 'from-failure',
      },
    });
    // What happened to the parent's worker is not the retry's history.
    expect(retry?.tags['runyard/resume_attempt']).toBeUndefined();
    expect(retry?.tags['runyard/launch_attempt']).toBeUndefined();
    const events = await instance.storage.events.getEvents(parent.runId, { types: ['ENGINE_EVENT'] });
    expect(events.map((e) => e.message)).toEqual([`run failed; retry 1 of 1 (from-failure) is run ${retryId}`]);

    expect(await retrier.pass()).toEqual([]);
    // A new daemon reads the recent failures again, and finds the run retried already.
    expect(await new RunRetrier(instance, { loadCodeLocation: load }).pass()).toEqual([
      { runId: parent.runId, retried: false, reason: `it was retried already, as run ${retryId}` },
    ]);
    expect(await retriesOf(instance, parent.runId)).toHaveLength(1);
  });

  it('makes one retry when two daemons on two connections retry the same failures at once', async () => {
    const h = await home();
    const [a, b] = [await h.open(), await h.open()];
    const parents = await Promise.all(Array.from({ length: 5 }, () => failedRun(a, { 'runyard/max_retries': '3' })));
    await Promise.all([
      new RunRetrier(a, { loadCodeLocation: load }).pass(),
      new RunRetrier(b, { loadCodeLocation: load }).pass(),
      new RunRetrier(b, { loadCodeLocation: load }).pass(),
    ]);
    for (const parent of parents) expect(await retriesOf(a, parent.runId)).toHaveLength(1);
    expect(await a.storage.runs.countRuns()).toBe(10);
    for (const parent of parents) {
      const created = (await a.storage.events.getEvents(parent.runId, { types: ['ENGINE_EVENT'] })).length;
      expect(created).toBe(1);
    }
  });

  it('stops after max_retries, counting along the chain from the root', async () => {
    const h = await home();
    const instance = await h.open();
    const retrier = new RunRetrier(instance, { loadCodeLocation: load });
    const root = await failedRun(instance, { 'runyard/max_retries': '2', 'runyard/retry_strategy': 'all-steps' });
    const chain = [root];
    for (let i = 0; i < 3; i++) {
      const outcomes = await retrier.pass();
      const last = chain.at(-1) as RunRecord;
      const retry = (await retriesOf(instance, last.runId))[0];
      if (!retry) {
        expect(outcomes).toEqual([
          { runId: last.runId, retried: false, reason: 'it was retry 2 of 2; no retries left' },
        ]);
        break;
      }
      expect(retry).toMatchObject({
        rootRunId: root.runId,
        tags: { 'runyard/retry_number': String(i + 1), 'runyard/reexecution': 'all-steps' },
      });
      chain.push(await fail(instance, retry));
    }
    expect(chain).toHaveLength(3);
    expect(await instance.storage.runs.countRuns()).toBe(3);
  });

  it('never retries a cancelled run, nor one retried by hand already', async () => {
    const h = await home('runRetries:\n  maxRetries: 2\n');
    const instance = await h.open();
    const cancelled = await instance.storage.runs.createRun({
      jobName: 'nightly',
      origin: { codeLocation: 'memory:jobs', source: 'cli' },
    });
    await instance.storage.runs.transition({ runId: cancelled.runId, type: 'RUN_CANCELED' });
    const byHand = await failedRun(instance, {});
    const manual = await retryRun(instance, byHand, { strategy: 'all-steps', loadCodeLocation: load });

    const outcomes = await new RunRetrier(instance, { loadCodeLocation: load }).pass();
    expect(outcomes).toEqual([
      { runId: byHand.runId, retried: false, reason: `it was retried already, as run ${manual.run.runId}` },
    ]);
    expect(await retriesOf(instance, cancelled.runId)).toEqual([]);
    expect(await instance.storage.runs.countRuns()).toBe(3);
  });

  it('with retryOnOpFailure off, retries only a run whose worker died', async () => {
    const h = await home('runRetries:\n  maxRetries: 1\n  retryOnOpFailure: false\n');
    const instance = await h.open();
    const opFailed = await failedRun(instance, {}, ['step']);
    const died = await failedRun(instance, {}, []);
    const outcomes = await new RunRetrier(instance, { loadCodeLocation: load }).pass();
    expect(outcomes.map((o) => [o.runId, o.retried])).toEqual([
      [opFailed.runId, false],
      [died.runId, true],
    ]);
  });

  it('records on the run why it could not be retried, and goes on with the next failure', async () => {
    const h = await home();
    const instance = await h.open();
    const gone = await instance.storage.runs.createRun({
      jobName: 'renamed_job',
      tags: { 'runyard/max_retries': '1' },
      origin: { codeLocation: 'memory:jobs', source: 'cli' },
    });
    await fail(instance, gone);
    const fine = await failedRun(instance, { 'runyard/max_retries': '1' });
    const outcomes = await new RunRetrier(instance, { loadCodeLocation: load }).pass();
    expect(outcomes.map((o) => [o.runId, o.retried])).toEqual([
      [gone.runId, false],
      [fine.runId, true],
    ]);
    const [event] = await instance.storage.events.getEvents(gone.runId, { types: ['ENGINE_EVENT'] });
    expect(event).toMatchObject({ level: 'error' });
    expect(event?.message).toContain(
      "run could not retry: JobNotFoundError: job 'renamed_job' was not found in memory:jobs",
    );
  });

  it('leaves alone failures older than its lookback when it starts', async () => {
    const h = await home();
    const instance = await h.open();
    await failedRun(instance, { 'runyard/max_retries': '1' });
    const later = Date.now() + 25 * 3_600_000;
    expect(await new RunRetrier(instance, { loadCodeLocation: load, now: () => later }).pass()).toEqual([]);
    expect(await instance.storage.runs.countRuns()).toBe(1);
  });
});
