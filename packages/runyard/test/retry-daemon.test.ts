import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../src/index.js';
import { fixture, YardHarness } from './fixtures/yard-harness.js';

/**
 * Run retries by a real `runyard daemon`, of runs launched through the CLI onto real run workers.
 * The ops of retry-jobs.ts log each execution to files, so the tests count what ran again.
 */

const JOBS = fixture('retry-jobs.ts');
let harness: YardHarness | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A directory for the ops' logs, and run config files pointing each job's ops at it. */
function opsDir(): {
  dir: string;
  config: (job: 'two_steps' | 'always_fails') => string;
  lines: (op: string) => string[];
} {
  const dir = mkdtempSync(path.join(tmpdir(), 'runyard-retry-ops-'));
  dirs.push(dir);
  const opConfig = `{ config: { dir: ${JSON.stringify(dir)} } }`;
  const files = {
    two_steps: `ops:\n  first: ${opConfig}\n  second: ${opConfig}\n`,
    always_fails: `ops:\n  doomed: ${opConfig}\n`,
  };
  const config = (job: keyof typeof files) => {
    const file = path.join(dir, `${job}.yaml`);
    writeFileSync(file, files[job]);
    return file;
  };
  const lines = (op: string) => {
    try {
      return readFileSync(path.join(dir, `${op}.log`), 'utf8')
        .split('\n')
        .filter(Boolean);
    } catch {
      return [];
    }
  };
  return { dir, config, lines };
}

async function launch(h: YardHarness, job: string, config: string, tags: string[]): Promise<string> {
  const result = await h.cli([
    'job',
    'launch',
    '-f',
    JOBS,
    '-j',
    job,
    '-c',
    config,
    ...tags.flatMap((t) => ['--tag', t]),
  ]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

const retriesOf = (h: YardHarness, runId: string) => h.runs({ tags: { 'runyard/parent_run_id': runId } });

/** The retry of `runId` once it has finished. */
async function finishedRetry(h: YardHarness, runId: string): Promise<RunRecord> {
  return h.waitFor(`a finished retry of ${runId}`, async () => {
    const [retry] = await retriesOf(h, runId);
    return retry && ['SUCCESS', 'FAILURE', 'CANCELED'].includes(retry.status) && retry;
  });
}

describe('the retry daemon', { timeout: 120_000 }, () => {
  it('retries a failed run from failure: steps that succeeded are not run again, their outputs are reused', async () => {
    harness = new YardHarness();
    const h = harness;
    const ops = opsDir();
    const rootId = await launch(h, 'two_steps', ops.config('two_steps'), ['runyard/max_retries=1']);
    h.startDaemon();

    const retry = await finishedRetry(h, rootId);
    expect(retry).toMatchObject({
      status: 'SUCCESS',
      parentRunId: rootId,
      rootRunId: rootId,
      origin: { source: 'retry' },
      tags: {
        'runyard/parent_run_id': rootId,
        'runyard/root_run_id': rootId,
        'runyard/retry_number': '1',
        'runyard/reexecution': 'from-failure',
        'runyard/max_retries': '1',
      },
    });
    expect((await (await h.instance()).storage.runs.getRun(rootId))?.status).toBe('FAILURE');
    // `first` ran once, in the failed run; `second` ran again in the retry, with first's output read from the failed run.
    expect(ops.lines('first')).toEqual([rootId]);
    expect(ops.lines('second')).toEqual([`${rootId} got 21`, `${retry.runId} got 21`]);

    const instance = await h.instance();
    const retryEvents = await instance.storage.events.getEvents(retry.runId);
    expect(retryEvents.filter((e) => e.type === 'STEP_START').map((e) => e.stepKey)).toEqual(['second']);
    expect(retryEvents.find((e) => e.type === 'ENGINE_EVENT')?.data).toEqual({
      parentRunId: rootId,
      reusedSteps: { first: rootId },
    });
    const rootEvents = await instance.storage.events.getEvents(rootId, { types: ['ENGINE_EVENT'] });
    expect(rootEvents.map((e) => e.message)).toContain(`run failed; retry 1 of 1 (from-failure) is run ${retry.runId}`);
    expect(await h.settle()).toHaveLength(2);
  });

  it('retries every step with runyard/retry_strategy=all-steps', async () => {
    harness = new YardHarness();
    const h = harness;
    const ops = opsDir();
    const rootId = await launch(h, 'two_steps', ops.config('two_steps'), [
      'runyard/max_retries=1',
      'runyard/retry_strategy=all-steps',
    ]);
    h.startDaemon();

    const retry = await finishedRetry(h, rootId);
    expect(retry).toMatchObject({ status: 'SUCCESS', tags: { 'runyard/reexecution': 'all-steps' } });
    expect(ops.lines('first')).toEqual([rootId, retry.runId]);
    expect(ops.lines('second')).toEqual([`${rootId} got 21`, `${retry.runId} got 21`]);
    expect(await h.settle()).toHaveLength(2);
  });

  it('stops after max_retries, and never retries a cancelled run', async () => {
    harness = new YardHarness();
    const h = harness;
    const ops = opsDir();
    const rootId = await launch(h, 'always_fails', ops.config('always_fails'), ['runyard/max_retries=2']);
    const slow = await h.cli([
      'job',
      'launch',
      '-f',
      fixture('slow.ts'),
      '-j',
      'slow',
      '--tag',
      'runyard/max_retries=3',
    ]);
    const slowId = slow.stdout.trim();
    await h.waitFor('the slow run to start', async () => (await h.runs({ runIds: [slowId] }))[0]?.status === 'STARTED');
    expect((await h.cli(['run', 'terminate', slowId])).code).toBe(0);
    h.startDaemon();

    // The root and two retries, each one the retry of the one before.
    const chain = await h.waitFor('the second retry to fail', async () => {
      const runs = await h.runs({ jobName: 'always_fails' });
      return runs.length === 3 && runs.every((r) => r.status === 'FAILURE') && runs;
    });
    const [second, first] = chain;
    expect(first).toMatchObject({ parentRunId: rootId, rootRunId: rootId, tags: { 'runyard/retry_number': '1' } });
    expect(second).toMatchObject({
      parentRunId: first?.runId,
      rootRunId: rootId,
      tags: { 'runyard/retry_number': '2' },
    });

    // Once a later failure has been retried, the daemon has read past the last retry's failure and
    // the cancelled run: neither has a retry. (Failures are read in the order they were written.)
    const later = opsDir();
    const sentinelId = await launch(h, 'always_fails', later.config('always_fails'), ['runyard/max_retries=1']);
    await finishedRetry(h, sentinelId);
    expect(await retriesOf(h, second?.runId as string)).toEqual([]);
    expect(await retriesOf(h, slowId)).toEqual([]);
    expect(ops.lines('doomed')).toHaveLength(3);
    expect((await h.runs({ runIds: [slowId] }))[0]?.status).toBe('CANCELED');
    expect(await h.settle()).toHaveLength(3 + 1 + 2);
  });
});
