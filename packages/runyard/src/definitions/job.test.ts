import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineDefinitions } from './definitions.js';
import { job } from './job.js';
import { op } from './op.js';
import { retryDelayMs, validateRetryPolicy } from './retry-policy.js';
import { schedule } from './schedule.js';

const source = op({ name: 'source', run: () => 1 });
const double = op({ name: 'double', ins: { n: z.number() }, run: (_c, { n }) => n * 2 });
const sum = op({
  name: 'sum',
  ins: { values: z.array(z.number()) },
  run: (_c, { values }) => values.reduce((a, b) => a + b, 0),
});

describe('job()', () => {
  it('builds a graph from calls, with one op used twice under another name', () => {
    const j = job({
      name: 'twice',
      graph: () => {
        const s = source();
        sum({ values: [double({ n: s }), double.as('double_again')({ n: s })] });
      },
    });
    expect(j.graph.order).toEqual(['source', 'double', 'double_again', 'sum']);
    expect(j.graph.steps.get('sum')?.upstream).toEqual(['double', 'double_again']);
    expect(j.graph.steps.get('source')?.downstream).toEqual(['double', 'double_again']);
    expect(j.executor).toEqual({ type: 'in_process' });
  });

  it('orders steps topologically even when declared out of order', () => {
    const j = job({ name: 'declared', steps: { d: { op: double, inputs: { n: 's' } }, s: { op: source } } });
    expect(j.graph.order).toEqual(['s', 'd']);
  });

  it('refuses a cycle, naming the job and the steps on it', () => {
    expect(() =>
      job({
        name: 'loop',
        steps: {
          a: { op: double, inputs: { n: 'c' } },
          b: { op: double, inputs: { n: 'a' } },
          c: { op: double, inputs: { n: 'b' } },
        },
      }),
    ).toThrow("job 'loop' has a cycle: a → b → c → a");
  });

  it('refuses an input that is not connected', () => {
    expect(() => job({ name: 'j', steps: { d: { op: double } } })).toThrow(
      "job 'j', step 'd': input 'n' is not connected",
    );
  });

  it('refuses an input that names a step not in the job', () => {
    expect(() => job({ name: 'j', steps: { d: { op: double, inputs: { n: 'nope' } } } })).toThrow(
      "job 'j', step 'd': input 'n' refers to step 'nope', which is not in the job",
    );
  });

  it('refuses an input the op does not declare', () => {
    expect(() => job({ name: 'j', steps: { s: { op: source }, t: { op: source, inputs: { x: 's' } } } })).toThrow(
      "job 'j', step 't': op 'source' has no input 'x' (it takes no inputs)",
    );
  });

  it('refuses two steps with one name', () => {
    expect(() =>
      job({
        name: 'dup',
        graph: () => {
          source();
          source();
        },
      }),
    ).toThrow("job 'dup': two steps are named 'source'; give one another name with op.as('other_name')");
  });

  it('refuses something that is not an op', () => {
    expect(() => job({ name: 'j', steps: { s: { op: () => 1 } } })).toThrow(
      "job 'j', step 's': the function 'op' is not an op",
    );
    expect(() => job({ name: 'j', steps: { s: { op: undefined } } })).toThrow(/job 'j', step 's': 'op' is undefined/);
  });

  it('refuses a non-output passed as an input', () => {
    expect(() =>
      job({
        name: 'j',
        graph: () => {
          // @ts-expect-error a plain value is not a step output
          double({ n: 3 });
        },
      }),
    ).toThrow("job 'j', step 'double': input 'n' must be the output of another step (or a list of them), got a number");
  });

  it('refuses an empty job, bad names and both or neither of graph and steps', () => {
    expect(() => job({ name: 'empty', graph: () => {} })).toThrow("job 'empty' has no steps");
    expect(() => job({ name: 'has space', graph: () => source() })).toThrow('job name "has space" is not valid');
    // @ts-expect-error neither graph nor steps
    expect(() => job({ name: 'j' })).toThrow("job 'j': give either 'graph' (a function) or 'steps'");
    expect(() => job({ name: 'j', graph: () => source(), executor: { type: 'gpu' as never } })).toThrow(
      "job 'j': executor.type must be one of 'in_process', 'threads', 'multiprocess', 'queue'",
    );
  });

  it('takes resource limits for the threads executor only, and checks them', () => {
    const threads = job({
      name: 'j',
      graph: () => source(),
      executor: { type: 'threads', resourceLimits: { maxOldGenerationSizeMb: 256 } },
    });
    expect(threads.executor).toEqual({ type: 'threads', resourceLimits: { maxOldGenerationSizeMb: 256 } });
    expect(() =>
      job({ name: 'j', graph: () => source(), executor: { type: 'multiprocess', resourceLimits: { stackSizeMb: 8 } } }),
    ).toThrow("job 'j': executor.resourceLimits applies to the 'threads' executor only, not 'multiprocess'");
    expect(() =>
      job({
        name: 'j',
        graph: () => source(),
        executor: { type: 'threads', resourceLimits: { maxOldGenerationSizeMb: 0 } },
      }),
    ).toThrow("job 'j': executor.resourceLimits.maxOldGenerationSizeMb must be a number of MB > 0, got 0");
    expect(() =>
      job({
        name: 'j',
        graph: () => source(),
        executor: { type: 'threads', resourceLimits: { maxHeapMb: 64 } as never },
      }),
    ).toThrow(
      "job 'j': executor.resourceLimits: unknown key 'maxHeapMb' (known keys: maxOldGenerationSizeMb, maxYoungGenerationSizeMb, stackSizeMb)",
    );
  });

  it('takes maxStepsPerProcess for the multiprocess executor, and refuses bad values and misspelt keys', () => {
    const graph = () => void source();
    expect(job({ name: 'j', graph, executor: { type: 'multiprocess', maxStepsPerProcess: 5 } }).executor).toEqual({
      type: 'multiprocess',
      maxStepsPerProcess: 5,
    });
    for (const bad of [0, -1, 1.5, Number.NaN, '3' as never])
      expect(() => job({ name: 'j', graph, executor: { type: 'multiprocess', maxStepsPerProcess: bad } })).toThrow(
        `job 'j': executor.maxStepsPerProcess must be a whole number ≥ 1, got ${String(bad)}`,
      );
    expect(() => job({ name: 'j', graph, executor: { type: 'in_process', maxStepsPerProcess: 2 } })).toThrow(
      "job 'j': executor.maxStepsPerProcess is for the multiprocess executor, not 'in_process'",
    );
    expect(() => job({ name: 'j', graph, executor: { type: 'multiprocess', maxStepsPerProces: 2 } as never })).toThrow(
      "job 'j': executor: unknown key 'maxStepsPerProces' (known keys: type, maxConcurrent, resourceLimits, maxStepsPerProcess)",
    );
  });

  it('refuses calling an op outside a graph', () => {
    expect(() => source()).toThrow("op 'source' was called outside a job's graph");
  });
});

describe('op()', () => {
  it('validates its spec', () => {
    expect(() => op({ name: 'x', run: 1 as never })).toThrow("op 'x': 'run' must be a function");
    expect(() => op({ name: 'x', ins: { a: 'string' as never }, run: () => 1 })).toThrow(
      "op 'x': input 'a' must be a zod schema",
    );
    expect(() => op({ name: 'x', retryPolicy: { maxRetries: -1 }, run: () => 1 })).toThrow(
      "op 'x': retryPolicy.maxRetries must be a whole number ≥ 0, got -1",
    );
  });
});

describe('retry policy', () => {
  it('computes constant, linear and exponential delays with a cap', () => {
    expect([1, 2, 3].map((r) => retryDelayMs({ maxRetries: 3, delayMs: 100 }, r))).toEqual([100, 100, 100]);
    expect([1, 2, 3].map((r) => retryDelayMs({ maxRetries: 3, delayMs: 100, backoff: 'linear' }, r))).toEqual([
      100, 200, 300,
    ]);
    expect(
      [1, 2, 3, 4].map((r) =>
        retryDelayMs({ maxRetries: 4, delayMs: 100, backoff: 'exponential', maxDelayMs: 500 }, r),
      ),
    ).toEqual([100, 200, 400, 500]);
    expect(retryDelayMs({ maxRetries: 1, delayMs: 100, jitter: true }, 1, () => 0)).toBe(50);
    expect(() => validateRetryPolicy({ maxRetries: 1, backoff: 'sometimes' as never }, 'op')).toThrow(
      'backoff must be',
    );
  });
});

describe('defineDefinitions()', () => {
  const j = job({ name: 'j', graph: () => source() });

  it('collects jobs and schedules', () => {
    const defs = defineDefinitions({
      jobs: [j],
      schedules: [schedule({ name: 'hourly', cron: '0 * * * *', job: j })],
    });
    expect([...defs.jobs.keys()]).toEqual(['j']);
    expect(defs.schedules.get('hourly')?.timezone).toBe('UTC');
  });

  it('refuses a schedule whose job is not in jobs', () => {
    const other = job({ name: 'other', graph: () => source() });
    expect(() =>
      defineDefinitions({ jobs: [j], schedules: [schedule({ name: 'hourly', cron: '0 * * * *', job: other })] }),
    ).toThrow("schedule 'hourly' runs job 'other', which is not in jobs");
  });

  it('refuses unknown keys in op and job specs, naming the key', () => {
    expect(() => op({ name: 'o', output: z.string(), run: () => 'x' } as never)).toThrow(
      "op 'o': unknown key 'output' (known keys: name, description, tags, ins, config, out, retryPolicy, partialResults, run)",
    );
    expect(() => job({ name: 'jj', graph: () => source(), executer: { type: 'in_process' } } as never)).toThrow(
      "job 'jj': unknown key 'executer'",
    );
  });

  it('refuses duplicates, wrong values and unknown keys', () => {
    expect(() => defineDefinitions({ jobs: [j, job({ name: 'j', graph: () => source() })] })).toThrow(
      "two jobs are named 'j'",
    );
    expect(() => defineDefinitions({ jobs: [{ name: 'fake' } as never] })).toThrow('jobs[0] is not a job');
    expect(() => defineDefinitions({ jobz: [] } as never)).toThrow("unknown key 'jobz'");
    expect(() => schedule({ name: 's', cron: 'sometimes', job: j })).toThrow(
      "schedule 's': cron must be a cron expression",
    );
    expect(() => schedule({ name: 's', cron: '* * * * *', timezone: 'Mars/Olympus', job: j })).toThrow(
      'unknown timezone',
    );
    expect(() => schedule({ name: 's', cron: '* * * * *', job: {} as never })).toThrow("'job' must be a job");
  });
});
