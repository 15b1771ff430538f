import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { job } from '../definitions/job.js';
import { op } from '../definitions/op.js';
import { InvalidConfigError } from '../errors.js';
import { Instance } from '../instance/instance.js';
import { executeJob } from './execute-job.js';
import { executeRun } from './run-execution.js';

let instance: Instance;
beforeEach(async () => {
  instance = await Instance.ephemeral();
});
afterEach(async () => {
  await instance.dispose();
});

const types = (events: readonly { type: string; stepKey?: string }[]) =>
  events.map((e) => (e.stepKey ? `${e.type}:${e.stepKey}` : e.type));

const name = op({
  name: 'name',
  config: z.object({ who: z.string().default('world'), times: z.number().int().positive().default(1) }),
  run: (ctx) => {
    ctx.log.info('picked a name', { who: ctx.config.who });
    return ctx.config.who.repeat(ctx.config.times);
  },
});
const greet = op({ name: 'greet', ins: { who: z.string() }, run: (_ctx, { who }) => `hello ${who}` });
const hello = job({ name: 'hello', graph: () => void greet({ who: name() }) });

describe('executeJob', () => {
  it('runs the steps in order, passes outputs and records every event', async () => {
    const result = await executeJob(hello, { instance, runConfig: { ops: { name: { config: { who: 'yard' } } } } });
    expect(result.status).toBe('SUCCESS');
    expect(result.success).toBe(true);
    expect(result.outputFor('greet')).toBe('hello yard');
    expect(types(result.events)).toEqual([
      'RUN_START',
      'ENGINE_EVENT',
      'STEP_START:name',
      'LOG:name',
      'STEP_OUTPUT:name',
      'STEP_SUCCESS:name',
      'STEP_START:greet',
      'STEP_OUTPUT:greet',
      'STEP_SUCCESS:greet',
      'RUN_SUCCESS',
    ]);
    const stored = await instance.storage.events.getEvents(result.runId);
    expect(stored.map((e) => e.id)).toEqual(result.events.map((e) => e.id));
    expect(stored.find((e) => e.type === 'LOG')).toMatchObject({
      level: 'info',
      message: 'picked a name',
      data: { who: 'yard' },
    });
    const run = await instance.storage.runs.getRun(result.runId);
    expect(run).toMatchObject({ status: 'SUCCESS', jobName: 'hello' });
    expect(run?.startTime).toBeTypeOf('number');
    expect(run?.endTime).toBeGreaterThanOrEqual(run?.startTime ?? Infinity);
  });

  it('applies config defaults and the job defaults under the run config', async () => {
    const withDefaults = job({
      name: 'with_defaults',
      config: { ops: { name: { config: { who: 'ab', times: 2 } } } },
      graph: () => void greet({ who: name() }),
    });
    expect((await executeJob(hello, { instance })).outputFor('greet')).toBe('hello world');
    expect((await executeJob(withDefaults, { instance })).outputFor('greet')).toBe('hello abab');
    const over = await executeJob(withDefaults, { instance, runConfig: { ops: { name: { config: { times: 3 } } } } });
    expect(over.outputFor('greet')).toBe('hello ababab');
    expect(over.run.runConfig).toEqual({ ops: { name: { config: { who: 'ab', times: 3 } } } });
  });

  it('refuses invalid run config listing every problem by path, and creates no run', async () => {
    const bad = { ops: { name: { config: { who: 5, times: -1 } }, greet: { config: {} }, nope: {} }, extra: 1 };
    const error = await executeJob(hello, { instance, runConfig: bad }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidConfigError);
    const paths = (error as InvalidConfigError).issues.map((i) => i.path).sort();
    expect(paths).toEqual(['extra', 'ops.greet.config', 'ops.name.config.times', 'ops.name.config.who', 'ops.nope']);
    expect((error as Error).message).toContain("ops.nope: job 'hello' has no step 'nope' (steps: name, greet)");
    expect((error as Error).message).toContain("ops.greet.config: op 'greet' takes no config");
    expect(await instance.storage.runs.countRuns()).toBe(0);
  });

  it('runs independent steps concurrently up to maxConcurrent', async () => {
    let running = 0;
    let peak = 0;
    const releases: Array<() => void> = [];
    const slow = op({
      name: 'slow',
      run: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
      },
    });
    const wide = job({
      name: 'wide',
      executor: { type: 'in_process', maxConcurrent: 3 },
      graph: () => {
        for (let i = 0; i < 7; i++) slow.as(`slow_${i}`)();
      },
    });
    let finished = false;
    const done = executeJob(wide, { instance }).finally(() => {
      finished = true;
    });
    // Release steps one at a time as they arrive; the executor must never hold more than 3.
    while (!finished) {
      await new Promise((r) => setImmediate(r));
      releases.shift()?.();
    }
    const result = await done;
    expect(result.status).toBe('SUCCESS');
    expect(peak).toBe(3);
  });

  it('retries per the policy: STEP_UP_FOR_RETRY then STEP_RESTARTED, until it succeeds', async () => {
    const attempts: number[] = [];
    const flaky = op({
      name: 'flaky',
      retryPolicy: { maxRetries: 3, delayMs: 1, backoff: 'exponential' },
      run: (ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 3) throw new Error(`boom ${ctx.attempt}`);
        return 'ok';
      },
    });
    const result = await executeJob(job({ name: 'retrying', graph: () => void flaky() }), { instance });
    expect(result.status).toBe('SUCCESS');
    expect(attempts).toEqual([1, 2, 3]);
    expect(types(result.events)).toEqual([
      'RUN_START',
      'ENGINE_EVENT',
      'STEP_START:flaky',
      'STEP_UP_FOR_RETRY:flaky',
      'STEP_RESTARTED:flaky',
      'STEP_UP_FOR_RETRY:flaky',
      'STEP_RESTARTED:flaky',
      'STEP_OUTPUT:flaky',
      'STEP_SUCCESS:flaky',
      'RUN_SUCCESS',
    ]);
    const retry = result.events.find((e) => e.type === 'STEP_UP_FOR_RETRY');
    expect(retry?.error?.message).toBe('boom 1');
    expect(retry?.data).toMatchObject({ attempt: 1, delayMs: 1 });
  });

  it('fails a step when retries run out, skips what depends on it, runs the rest', async () => {
    const fails = op({
      name: 'fails',
      retryPolicy: { maxRetries: 1 },
      run: () => {
        throw new Error('outer', { cause: new TypeError('inner') });
      },
    });
    const after = op({ name: 'after', ins: { x: z.unknown() }, run: () => 1 });
    const independent = op({ name: 'independent', run: () => 2 });
    const j = job({
      name: 'partly_broken',
      graph: () => {
        const a = after({ x: fails() });
        after.as('after_after')({ x: a });
        independent();
      },
    });
    const result = await executeJob(j, { instance });
    expect(result.status).toBe('FAILURE');
    expect(result.failedSteps).toEqual(['fails']);
    expect(result.skippedSteps).toEqual(['after', 'after_after']);
    expect(result.outputFor('independent')).toBe(2);
    const failure = result.events.find((e) => e.type === 'STEP_FAILURE');
    expect(failure?.error).toMatchObject({
      name: 'Error',
      message: 'outer',
      cause: { name: 'TypeError', message: 'inner' },
    });
    expect(failure?.message).toBe("step 'fails' failed after 2 attempts: Error: outer ← caused by TypeError: inner");
    const runFailure = result.events.at(-1);
    expect(runFailure).toMatchObject({
      type: 'RUN_FAILURE',
      message: "run of job 'partly_broken' failed: step 'fails' failed",
    });
    expect(result.events.filter((e) => e.type === 'STEP_SKIPPED').map((e) => e.message)).toEqual([
      "skipped step 'after': upstream step 'fails' did not succeed",
      "skipped step 'after_after': upstream step 'after' did not succeed",
    ]);
  });

  it('checks inputs against their schemas and outputs against out', async () => {
    const wrong = op({ name: 'wrong', run: () => 'not a number' as unknown as number });
    const needsNumber = op({ name: 'needs_number', ins: { n: z.number() }, run: (_c, { n }) => n });
    const badOut = op({ name: 'bad_out', out: z.string(), run: () => 42 as unknown as string });
    const typed = job({
      name: 'typed',
      graph: () => {
        needsNumber({ n: wrong() });
        badOut();
      },
    });
    const result = await executeJob(typed, { instance });
    expect(result.failedSteps.sort()).toEqual(['bad_out', 'needs_number']);
    const messages = result.events.filter((e) => e.type === 'STEP_FAILURE').map((e) => e.error?.message);
    expect(messages).toContain(
      "input 'n' of step 'needs_number' does not match its schema: Invalid input: expected number, received string",
    );
    expect(messages).toContain(
      "the output of step 'bad_out' does not match its schema: Invalid input: expected string, received number",
    );
  });

  it('gathers a list of outputs into one input (fan-in)', async () => {
    const n = op({ name: 'n', config: z.number(), run: (ctx) => ctx.config });
    const total = op({
      name: 'total',
      ins: { values: z.array(z.number()) },
      run: (_c, { values }) => values.reduce((a, b) => a + b),
    });
    const j = job({ name: 'fan_in', graph: () => void total({ values: [n.as('a')(), n.as('b')(), n.as('c')()] }) });
    const result = await executeJob(j, {
      instance,
      runConfig: { ops: { a: { config: 1 }, b: { config: 2 }, c: { config: 4 } } },
    });
    expect(result.outputFor('total')).toBe(7);
  });

  it('cancels: running steps see the signal, no new step starts, the run ends CANCELED', async () => {
    const controller = new AbortController();
    const started: string[] = [];
    const waits = op({
      name: 'waits',
      run: (ctx) =>
        new Promise((_resolve, reject) => {
          started.push(ctx.stepKey);
          ctx.signal.addEventListener('abort', () => reject(new Error('stopped')));
          controller.abort();
        }),
    });
    const next = op({ name: 'next', ins: { x: z.unknown() }, run: () => started.push('next') });
    const result = await executeJob(job({ name: 'cancellable', graph: () => void next({ x: waits() }) }), {
      instance,
      signal: controller.signal,
    });
    expect(result.status).toBe('CANCELED');
    expect(started).toEqual(['waits']);
    expect(result.events.at(-1)?.type).toBe('RUN_CANCELED');
  });

  it('merges run tags over job tags and refuses non-string tags', async () => {
    const tagged = job({ name: 'tagged', tags: { team: 'a', tier: '1' }, graph: () => void greet({ who: name() }) });
    const result = await executeJob(tagged, { instance, tags: { tier: '2' } });
    expect(result.run.tags).toEqual({ team: 'a', tier: '2' });
    await expect(executeJob(tagged, { instance, tags: { n: 1 as never } })).rejects.toThrow("tag 'n' must be a string");
  });

  it('works without an instance (a throwaway in-memory one)', async () => {
    const result = await executeJob(hello);
    expect(result.status).toBe('SUCCESS');
    expect(result.outputFor('greet')).toBe('hello world');
  });
});

describe('executeRun', () => {
  it('claims a run once: a second execution of the same run does not start', async () => {
    const run = await instance.storage.runs.createRun({
      jobName: 'hello',
      origin: { codeLocation: 'x', source: 'api' },
    });
    const first = await executeRun({ storage: instance.storage, run, job: hello, startFrom: ['NOT_STARTED'] });
    const second = await executeRun({ storage: instance.storage, run, job: hello, startFrom: ['NOT_STARTED'] });
    expect(first.started).toBe(true);
    expect(second).toMatchObject({ started: false, run: { status: 'SUCCESS' } });
    const events = await instance.storage.events.getEvents(run.runId);
    expect(events.filter((e) => e.type === 'RUN_START')).toHaveLength(1);
  });

  it('ends CANCELED when the run was marked CANCELING while it ran', async () => {
    const run = await instance.storage.runs.createRun({ jobName: 'j', origin: { codeLocation: 'x', source: 'api' } });
    const marks = op({
      name: 'marks',
      run: async (ctx) => {
        await instance.storage.runs.transition({ runId: ctx.runId, type: 'RUN_CANCELING', message: 'asked to stop' });
      },
    });
    const result = await executeRun({
      storage: instance.storage,
      run,
      job: job({ name: 'j', graph: () => void marks() }),
      startFrom: ['NOT_STARTED'],
    });
    expect(result.run?.status).toBe('CANCELED');
  });
});
