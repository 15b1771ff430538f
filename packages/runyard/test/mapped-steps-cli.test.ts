// Mapped steps through the real CLI and daemon, in both executors: `run show` groups them,
// `run retry --from-failure` runs only the failed item again, and a run whose worker is SIGKILLed
// in the middle of its mapped steps is resumed without running the finished items again.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunRecord } from '../src/index.js';
import { MonitoringHarness } from './fixtures/monitoring-harness.js';
import { YardHarness } from './fixtures/yard-harness.js';

const JOBS = fileURLToPath(new URL('../src/engine/__fixtures__/mapped-jobs.ts', import.meta.url));
const scratch: string[] = [];
const newDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'runyard-mapped-cli-'));
  scratch.push(dir);
  return dir;
};
const ran = (dir: string) =>
  existsSync(path.join(dir, 'ran')) ? readFileSync(path.join(dir, 'ran'), 'utf8').trim().split('\n') : [];

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ['in process', ''],
  ['multiprocess', '_mp'],
])('mapped steps in the CLI, %s', { timeout: 240_000 }, (_name, sfx) => {
  let h: YardHarness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('run show groups them under their op; retry --from-failure runs only the failed item', async () => {
    h = new YardHarness();
    const dir = newDir();
    const config = path.join(dir, 'config.yaml');
    writeFileSync(config, 'ops:\n  list_files:\n    config:\n      items: [a.csv, bad-b.csv, c.csv]\n');
    const failed = await h.cli([
      'job',
      'launch',
      '-f',
      JOBS,
      '-j',
      `fanout${sfx}`,
      '-c',
      config,
      '--tag',
      `test/dir=${dir}`,
      '--wait',
    ]);
    expect(failed.code, failed.stderr).toBe(1);
    const parentId = /run ([0-9a-f-]{36}) FAILURE/.exec(failed.stdout)?.[1] as string;

    const shown = await h.cli(['run', 'show', parentId]);
    const stepLines = shown.stdout.split('\n').filter((l) => /^(list_files|report|load)/.test(l.trim()));
    expect(
      stepLines.map((l) =>
        l
          .trim()
          .split(/\s{2,}/)
          .slice(0, 3),
      ),
    ).toEqual([
      ['list_files', 'SUCCESS', '1'],
      ['report', 'SKIPPED', '0'],
      ['load[…] ×3', '2 SUCCESS, 1 FAILURE', '5'],
    ]);
    const expanded = await h.cli(['run', 'show', parentId, '--mapped']);
    expect(expanded.stdout).toMatch(/^ {2}load\[bad-b\.csv\] +FAILURE +3/m);
    const json = JSON.parse((await h.cli(['run', 'show', parentId, '--json'])).stdout);
    expect(json.mappedSteps).toEqual({
      load: { steps: 3, status: 'FAILURE', counts: { SUCCESS: 2, FAILURE: 1 } },
    });

    writeFileSync(path.join(dir, 'fixed'), '');
    writeFileSync(path.join(dir, 'ran'), '');
    const retried = await h.cli(['run', 'retry', parentId, '--from-failure']);
    expect(retried.code, retried.stderr).toBe(0);
    const retryId = retried.stdout.trim();
    const [retry] = (await h.settle()).filter((r) => r.runId === retryId) as [RunRecord];
    expect(retry.status).toBe('SUCCESS');
    expect(ran(dir)).toEqual(['load[bad-b.csv]']);
    const instance = await h.instance();
    const starts = (await instance.storage.events.getEvents(retryId, { types: ['STEP_START'] })).map((e) => e.stepKey);
    expect(starts).toEqual(['load[bad-b.csv]', 'report']);
  });
});

describe('a worker SIGKILLed in the middle of mapped steps is resumed; finished items do not run again', () => {
  let h: MonitoringHarness;
  beforeAll(async () => {
    h = await MonitoringHarness.start(
      'runMonitoring:\n  maxResumeAttempts: 1\n  pollIntervalSeconds: 0.2\n  cancelTimeoutSeconds: 1\n',
    );
  });
  afterAll(async () => {
    await h?.stop();
  });

  it.each([
    ['in process', ''],
    ['multiprocess', '_mp'],
  ])('%s', { timeout: 240_000 }, async (_name, sfx) => {
    const dir = newDir();
    const launched = await h.launch(`fanout${sfx}`, {
      location: JOBS,
      tags: { 'test/dir': dir },
      ops: { list_files: { items: ['a', 'b', 'slow-c', 'slow-d'] } },
    });
    const runId = launched.runId;
    const done = (key: string) => (e: { type: string; stepKey?: string }) =>
      e.type === 'STEP_SUCCESS' && e.stepKey === key;
    await h.waitForEvent(runId, 'load[a] to succeed', done('load[a]'));
    await h.waitForEvent(runId, 'load[b] to succeed', done('load[b]'));
    // Both slow items must be inside their op (it appends to `ran`, then waits for `go`): a
    // STEP_START is written before a step process has run the op, and a busy machine shows it.
    await vi.waitFor(
      () => {
        const inside = ran(dir);
        if (!inside.includes('load[slow-c]') || !inside.includes('load[slow-d]'))
          throw new Error(`the slow items have not both started: ${inside.join(', ')}`);
      },
      { timeout: 120_000, interval: 100 },
    );
    process.kill(await h.workerPid(runId), 'SIGKILL');
    await h.waitForEvent(runId, 'the resume', (e) => e.data?.monitoring === 'resume');
    writeFileSync(path.join(dir, 'go'), '');
    const run = await h.waitForStatus(runId, ['SUCCESS', 'FAILURE', 'CANCELED']);
    expect(run.status).toBe('SUCCESS');
    const events = await h.events(runId);
    const successes = (key: string) => events.filter(done(key)).length;
    expect([successes('list_files'), successes('load[a]'), successes('load[b]')]).toEqual([1, 1, 1]);
    expect([successes('load[slow-c]'), successes('load[slow-d]'), successes('report')]).toEqual([1, 1, 1]);
    // The slow items ran in both workers; the finished ones only in the first.
    const counts: Record<string, number> = {};
    for (const key of ran(dir)) counts[key] = (counts[key] ?? 0) + 1;
    expect(counts).toEqual({ 'load[a]': 1, 'load[b]': 1, 'load[slow-c]': 2, 'load[slow-d]': 2 });
    const resumed = events.find((e) => e.message.startsWith('resuming run of job'));
    expect(resumed?.data?.completedSteps).toEqual(expect.arrayContaining(['list_files', 'load[a]', 'load[b]']));
    await h.waitForGroupGone(run);
  });
});
