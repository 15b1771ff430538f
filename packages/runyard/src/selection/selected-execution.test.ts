import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { job } from '../definitions/job.js';
import { op } from '../definitions/op.js';
import { executeJob } from '../engine/execute-job.js';
import { InMemoryIOManager } from '../engine/io-manager.js';
import { StepScheduler } from '../engine/step-scheduler.js';
import { Instance } from '../instance/instance.js';
import { SelectionError } from './selection-error.js';

// The engine's side of a selection: the in-process executor runs only the selected steps and reads
// the others from a parent run; steps outside the selection are neither run nor reported.

const ran: string[] = [];
const record = <T>(step: string, value: T): T => {
  ran.push(step);
  return value;
};
const extract = op({ name: 'extract', out: z.number(), run: () => record('extract', 10) });
const double = op({
  name: 'double',
  ins: { n: z.number() },
  out: z.number(),
  run: (_c, { n }) => record('double', n * 2),
});
const fail = op({
  name: 'fail',
  ins: { n: z.number() },
  out: z.number(),
  run: () => {
    ran.push('fail');
    throw new Error('boom');
  },
});
const report = op({ name: 'report', ins: { n: z.number() }, run: (_c, { n }) => record('report', `got ${n}`) });
const chain = job({ name: 'chain', graph: () => void report({ n: double({ n: extract() }) }) });
const failing = job({ name: 'failing', graph: () => void report({ n: fail({ n: extract() }) }) });

let instance: Instance;
let io: InMemoryIOManager;
beforeEach(async () => {
  instance = await Instance.ephemeral();
  io = new InMemoryIOManager();
  ran.length = 0;
});
afterEach(async () => {
  await instance.dispose();
});

const stepEvents = (events: readonly { type: string; stepKey?: string }[]) =>
  events.filter((e) => e.stepKey).map((e) => `${e.type}:${e.stepKey}`);

describe('a run of selected steps', () => {
  it('runs only the selection; its plan and events name no other step', async () => {
    const result = await executeJob(chain, { instance, selection: 'extract+' });
    expect(result.status).toBe('SUCCESS');
    expect(ran).toEqual(['extract', 'double']);
    expect(result.events.find((e) => e.data?.executionPlan)?.data?.executionPlan).toEqual(['extract', 'double']);
    expect(stepEvents(result.events).some((e) => e.endsWith(':report'))).toBe(false);
    expect(result.skippedSteps).toEqual([]);
  });

  it('reads the outputs of steps outside the selection from the parent run', async () => {
    const parent = await executeJob(chain, { instance, io });
    ran.length = 0;
    const child = await executeJob(chain, { instance, io, selection: 'report', fromRun: parent.run });
    expect(child.status).toBe('SUCCESS');
    expect(ran).toEqual(['report']);
    expect(child.outputFor('report')).toBe('got 20');
    expect(child.run).toMatchObject({ parentRunId: parent.runId, tags: { 'runyard/selected_steps': 'report' } });
  });

  it('refuses, before any run exists, a selection whose input the parent never produced', async () => {
    const parent = await executeJob(failing, { instance, io });
    expect(parent.failedSteps).toEqual(['fail']);
    const before = await instance.storage.runs.listRuns({});
    const refused = executeJob(failing, { instance, io, selection: 'report', fromRun: parent.run });
    await expect(refused).rejects.toThrow(SelectionError);
    await expect(refused).rejects.toThrow(`run ${parent.runId} has no output of step 'fail'`);
    expect(await instance.storage.runs.listRuns({})).toHaveLength(before.length);
  });

  it('a failed selected step skips selected steps downstream only', async () => {
    const result = await executeJob(failing, { instance, selection: 'extract,fail' });
    expect(result.failedSteps).toEqual(['fail']);
    expect(result.skippedSteps).toEqual([]);
  });
});

describe('StepScheduler with a selection', () => {
  it('never offers a step outside the selection, and fails fast when a selected step lacks an input', () => {
    const scheduler = new StepScheduler(chain.graph, {
      completed: new Set(['extract']),
      selected: new Set(['double']),
    });
    expect(scheduler.take()?.key).toBe('double');
    scheduler.succeeded('double');
    expect(scheduler.take()).toBeUndefined();
    expect(scheduler.inPlan('report')).toBe(false);
    expect(() => new StepScheduler(chain.graph, { selected: new Set(['double']) })).toThrow(
      "step 'double' reads the output of step 'extract', which is not selected and no earlier run provides",
    );
  });
});
