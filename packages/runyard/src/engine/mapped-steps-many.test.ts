// Many mapped steps of one map() (`squares` in __fixtures__/mapped-jobs.ts): 1,000 in process, and
// 200 on the multiprocess executor (a real step process per step: build first with `npx tsc -b
// packages/runyard`). Each step process costs about 0.4 s of CPU, so 1,000 of them took 399 s in
// CI on two cores, a quarter of the Node 20 leg; 200 test the same plan growth and process
// handling. Cheaper step processes are issue 17's (a bundled entry, reuse). A file of its own,
// run on the Node 20 leg only (.ci/node-leg.sh).
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
  tempRoot = await mkdtemp(path.join(os.tmpdir(), 'runyard-mapped-many-'));
  process.env.RUNYARD_CACHE_DIR = path.join(tempRoot, 'cache');
});
afterAll(async () => {
  if (cacheDirBefore === undefined) delete process.env.RUNYARD_CACHE_DIR;
  else process.env.RUNYARD_CACHE_DIR = cacheDirBefore;
  await rm(tempRoot, { recursive: true, force: true });
});

describe('many mapped steps', () => {
  it.each([
    ['1,000 in process', 'squares', 1000],
    ['200 on the multiprocess executor', 'squares_mp', 200],
  ])('%s', { timeout: 600_000 }, async (_name, jobName, n) => {
    const instance = await Instance.ephemeral();
    try {
      const io = new FileSystemIOManager(path.join(tempRoot, jobName, 'outputs'));
      const created = await instance.storage.runs.createRun({
        jobName,
        origin: { codeLocation: JOBS, source: 'api' },
        runConfig: { ops: { count: { config: { n } } } },
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
        Array.from({ length: n }, (_, i) => i * i).reduce((a, b) => a + b, 0),
      );
      const stats = stepStatsFromEvents(await instance.storage.events.getEvents(created.runId));
      expect(stats).toHaveLength(n + 2);
      expect(stats.filter((s) => s.stepKey.startsWith('square[') && s.status === 'SUCCESS')).toHaveLength(n);
    } finally {
      await instance.dispose();
    }
  });
});
