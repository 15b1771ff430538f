import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { job } from '../definitions/job.js';
import { op } from '../definitions/op.js';
import { executeJob } from '../engine/execute-job.js';
import { Instance } from '../instance/instance.js';
import { endOpenSteps } from './step-end.js';
import { STEP_STATS_EVENT_TYPES, stepStatsFromEvents } from './step-stats.js';

let instance: Instance;
beforeEach(async () => {
  instance = await Instance.ephemeral();
});
afterEach(async () => {
  await instance.dispose();
});

const stats = async (runId: string) =>
  stepStatsFromEvents(await instance.storage.events.getEvents(runId, { types: [...STEP_STATS_EVENT_TYPES] }));

/** A STARTED run whose step `a` has started and `b` is up for retry, as a worker would leave it. */
async function runWithOpenSteps(): Promise<string> {
  const run = await instance.storage.runs.createRun({
    jobName: 'j',
    runConfig: {},
    tags: {},
    origin: { codeLocation: 'x', source: 'api' },
  });
  const runId = run.runId;
  await instance.storage.runs.transition({ runId, type: 'RUN_START' }, { from: ['NOT_STARTED'] });
  await instance.storage.events.appendEvents([
    { runId, type: 'ENGINE_EVENT', data: { executionPlan: ['a', 'b', 'c'] } },
    { runId, type: 'STEP_START', stepKey: 'a' },
    { runId, type: 'STEP_START', stepKey: 'b' },
    { runId, type: 'STEP_UP_FOR_RETRY', stepKey: 'b' },
  ]);
  return runId;
}

describe('a finished run has no running step', () => {
  it('ends every open step with a STEP_FAILURE that says how and why, once, and lists planned steps as NOT_STARTED', async () => {
    const runId = await runWithOpenSteps();
    await instance.storage.runs.transition({ runId, type: 'RUN_FAILURE' }, { from: ['STARTED'] });
    expect(await endOpenSteps(instance.storage, runId, 'failed', 'run worker died: killed by SIGKILL')).toEqual([
      'a',
      'b',
    ]);
    // Nothing is open any more: a second call (a racing daemon) writes nothing.
    expect(await endOpenSteps(instance.storage, runId, 'failed', 'again')).toEqual([]);
    const ends = (await instance.storage.events.getEvents(runId, { types: ['STEP_FAILURE'] })).map((e) => [
      e.stepKey,
      e.message,
      e.data,
    ]);
    expect(ends).toEqual([
      [
        'a',
        "step 'a' failed with its run: run worker died: killed by SIGKILL",
        { stepEnd: 'failed', reason: 'run worker died: killed by SIGKILL' },
      ],
      [
        'b',
        "step 'b' failed with its run: run worker died: killed by SIGKILL",
        { stepEnd: 'failed', reason: 'run worker died: killed by SIGKILL' },
      ],
    ]);
    const steps = await stats(runId);
    expect(steps.map((s) => [s.stepKey, s.status, s.endReason])).toEqual([
      ['a', 'FAILURE', 'run worker died: killed by SIGKILL'],
      ['b', 'FAILURE', 'run worker died: killed by SIGKILL'],
      ['c', 'NOT_STARTED', undefined],
    ]);
    const runEnd = (await instance.storage.runs.getRun(runId))?.endTime as number;
    // Ended when the run ended, not when the note was written.
    for (const s of steps.slice(0, 2)) expect(s.endTime).toBeLessThanOrEqual(runEnd);
  });

  it('reads open steps as ended at the run end even when no end was written (runs from before)', async () => {
    const runId = await runWithOpenSteps();
    await instance.storage.runs.transition({ runId, type: 'RUN_CANCELED' }, { from: ['STARTED'] });
    expect((await stats(runId)).map((s) => [s.stepKey, s.status])).toEqual([
      ['a', 'CANCELED'],
      ['b', 'CANCELED'],
      ['c', 'NOT_STARTED'],
    ]);
  });

  it('records the execution plan of an in-process run; steps a cancel kept from starting show NOT_STARTED', async () => {
    const controller = new AbortController();
    const first = op({
      name: 'first',
      run: () => {
        controller.abort();
        return 1;
      },
    });
    const second = op({ name: 'second', ins: { n: z.number() }, run: (_ctx, { n }) => n + 1 });
    const third = op({ name: 'third', ins: { n: z.number() }, run: (_ctx, { n }) => n + 1 });
    const chain = job({ name: 'chain', graph: () => void third({ n: second({ n: first() }) }) });
    const result = await executeJob(chain, { instance, signal: controller.signal });
    expect(result.status).toBe('CANCELED');
    const steps = await stats(result.runId);
    expect(steps.map((s) => s.stepKey)).toEqual(['first', 'second', 'third']);
    expect(steps[0]?.status).toBe('SUCCESS');
    expect(steps.every((s) => s.status !== 'RUNNING')).toBe(true);
  });
});
