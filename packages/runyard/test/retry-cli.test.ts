import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../src/index.js';
import { expectUserError } from './cli-helpers.js';
import { fixture, YardHarness } from './fixtures/yard-harness.js';

/** `runyard run retry`, by hand, with no daemon: the CLI launches the retry itself. */

const JOBS = fixture('retry-jobs.ts');
let harness: YardHarness | undefined;
let dir: string | undefined;

afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function setup() {
  harness = new YardHarness();
  const h = harness;
  const ops = mkdtempSync(path.join(tmpdir(), 'runyard-retry-cli-'));
  dir = ops;
  const config = path.join(ops, 'two_steps.yaml');
  const opConfig = `{ config: { dir: ${JSON.stringify(ops)} } }`;
  writeFileSync(config, `ops:\n  first: ${opConfig}\n  second: ${opConfig}\n`);
  const lines = (op: string) =>
    readFileSync(path.join(ops, `${op}.log`), 'utf8')
      .split('\n')
      .filter(Boolean);
  return { h, config, lines };
}

async function finished(h: YardHarness, runId: string): Promise<RunRecord> {
  return h.waitFor(`run ${runId} to finish`, async () => {
    const [run] = await h.runs({ runIds: [runId] });
    return run && ['SUCCESS', 'FAILURE', 'CANCELED'].includes(run.status) && run;
  });
}

describe('runyard run retry', { timeout: 120_000 }, () => {
  it('--from-failure re-runs only what failed, reading the earlier outputs from the failed run', async () => {
    const { h, config, lines } = setup();
    const failed = await h.cli(['job', 'launch', '-f', JOBS, '-j', 'two_steps', '-c', config, '--wait']);
    expect(failed.code).toBe(1);
    const parentId = /run ([0-9a-f-]{36}) FAILURE/.exec(failed.stdout)?.[1] as string;

    const retried = await h.cli(['run', 'retry', parentId.slice(0, 8), '--from-failure']);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    const retry = await finished(h, retried.stdout.trim());
    expect(retry).toMatchObject({
      status: 'SUCCESS',
      parentRunId: parentId,
      rootRunId: parentId,
      origin: { source: 'cli' },
      tags: { 'runyard/parent_run_id': parentId, 'runyard/retry_number': '1', 'runyard/reexecution': 'from-failure' },
    });
    expect(lines('first')).toEqual([parentId]);
    expect(lines('second')).toEqual([`${parentId} got 21`, `${retry.runId} got 21`]);

    const shown = await h.cli(['run', 'show', retry.runId]);
    expect(shown.stdout).toContain(`parent     ${parentId}`);
    expect((await h.cli(['run', 'logs', retry.runId])).stdout).toContain(
      `retrying run ${parentId} from failure: 1 step(s) succeeded before and are not run again: first`,
    );
    expect(await h.settle()).toHaveLength(2);
  });

  it('without --from-failure runs every step again; a retry of a retry counts on from the root', async () => {
    const { h, config, lines } = setup();
    const failed = await h.cli(['job', 'launch', '-f', JOBS, '-j', 'two_steps', '-c', config, '--wait', '--json']);
    const parentId = failed.stdout
      .split('\n')
      .map((l) => (l ? JSON.parse(l) : {}))
      .find((e) => e.runId)?.runId as string;

    const json = await h.cli(['run', 'retry', parentId, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const printed = JSON.parse(json.stdout);
    expect(printed).toMatchObject({ parentRunId: parentId, strategy: 'all-steps' });
    const retry = await finished(h, printed.runId);
    expect(retry.status).toBe('SUCCESS');
    expect(lines('first')).toEqual([parentId, retry.runId]);

    const again = await h.cli(['run', 'retry', retry.runId]);
    const third = await finished(h, again.stdout.trim());
    expect(third).toMatchObject({
      parentRunId: retry.runId,
      rootRunId: parentId,
      tags: { 'runyard/root_run_id': parentId, 'runyard/retry_number': '2', 'runyard/reexecution': 'all-steps' },
    });
    expect(lines('first')).toHaveLength(3);
    expect(await h.settle()).toHaveLength(3);
  });

  it('refuses a run that is still going, --from-failure of one that succeeded, and an unknown run', async () => {
    const { h } = setup();
    const slow = await h.cli(['job', 'launch', '-f', fixture('slow.ts'), '-j', 'slow']);
    const slowId = slow.stdout.trim();
    await h.waitFor('the slow run to start', async () => (await h.runs({ runIds: [slowId] }))[0]?.status === 'STARTED');
    expectUserError(
      await h.cli(['run', 'retry', slowId]),
      `run ${slowId} is STARTED; only a run that has finished can be retried`,
    );
    expect((await h.cli(['run', 'terminate', slowId])).code).toBe(0);

    const ok = await h.cli(['job', 'launch', '-f', fixture('prints.ts'), '-j', 'chatty', '--wait']);
    const okId = /run ([0-9a-f-]{36}) SUCCESS/.exec(ok.stdout)?.[1] as string;
    expectUserError(
      await h.cli(['run', 'retry', okId, '--from-failure']),
      `run ${okId} succeeded, so there is no failure to retry from`,
    );
    expectUserError(await h.cli(['run', 'retry', '00000000-0000-0000-0000-000000000000']), 'was not found');
    expect(await h.settle()).toHaveLength(2);
  });
});
