// 1,000 mapped steps of one map() (`squares` in __fixtures__/mapped-jobs.ts), in process and on
// the multiprocess executor (a real step process per step: build first with `npx tsc -b
// packages/runyard`). A file of its own because the multiprocess case starts 1,000 processes,
// about two minutes on two idle cores: CI runs it on the Node 20 leg only (.ci/node-leg.sh).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCodeLocation } from '../code-location/load-code-location.js';
import { stepStatsFromEvents } from '../events/step-stats.js';
import { Instance } from '../instance/instance.js';
import { FileSystemIOManager } from './fs-io-manager.js';
import { executeRun } from './run-execution.js';

const JOBS = fileURLToPath(new URL('./__fixtures__/mapped-jobs.ts', import.meta.url));

let tempRoot: string;
const cacheDirBefore = process.env.RUNYARD_CACHE_DIR;

beforeAll(async () => {
  tempRoot = await mkdtemp(path.join(os.tmpdir(), 'runyard-mapped-1000-'));
  process.env.RUNYARD_CACHE_DIR = path.join(tempRoot, 'cache');
});
afterAll(async () => {
  if (cacheDirBefore === undefined) delete process.env.RUNYARD_CACHE_DIR;
  else process.env.RUNYARD_CACHE_DIR = cacheDirBefore;
  await rm(tempRoot, { recursive: true, force: true });
});

describe('1,000 mapped steps', () => {
  it.each([
    ['in process', 'squares'],
    ['multiprocess', 'squares_mp'],
  ])('%s', { timeout: 1_200_000 }, async (_name, jobName) => {
    const instance = await Instance.ephemeral();
    try {
      const io = new FileSystemIOManager(path.join(tempRoot, jobName, 'outputs'));
      const created = await instance.storage.runs.createRun({
        jobName,
        origin: { codeLocation: JOBS, source: 'api' },
        runConfig: { ops: { count: { config: { n: 1000 } } } },
        tags: {},
      });
      const result = await executeRun({
        storage: instance.storage,
        run: created,
        job: (await loadCodeLocation(JOBS)).getJob(jobName),
        startFrom: ['NOT_STARTED'],
        codeLocation: JOBS,
        io,
      });
      if (!result.started) throw new Error('the run did not start');
      expect(result.run.status).toBe('SUCCESS');
      expect(await io.loadOutput({ runId: created.runId, stepKey: 'sum' })).toBe(
        Array.from({ length: 1000 }, (_, i) => i * i).reduce((a, b) => a + b, 0),
      );
      const stats = stepStatsFromEvents(await instance.storage.events.getEvents(created.runId));
      expect(stats).toHaveLength(1002);
      expect(stats.filter((s) => s.stepKey.startsWith('square[') && s.status === 'SUCCESS')).toHaveLength(1000);
    } finally {
      await instance.dispose();
    }
  });
});
