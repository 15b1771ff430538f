/**
 * Compile-time checks of job wiring: every `@ts-expect-error` below must be an error, or `tsc`
 * fails this project (run by src/definitions/typing.test.ts).
 */
import { z } from 'zod';
import { job, op } from '../src/index.js';

const num = op({ name: 'num', run: () => 1 });
const str = op({ name: 'str', run: () => 'text' });
const nums = op({ name: 'nums', run: () => [1, 2] });
const double = op({ name: 'double', ins: { n: z.number() }, run: (_ctx, { n }) => n * 2 });
const total = op({ name: 'total', ins: { values: z.array(z.number()) }, run: (_ctx, { values }) => values.length });
const configured = op({
  name: 'configured',
  config: z.object({ factor: z.number() }),
  run: (ctx) => {
    const factor: number = ctx.config.factor;
    // @ts-expect-error config has no such field
    void ctx.config.missing;
    return factor;
  },
});

job({
  name: 'good',
  graph: () => {
    const d = double({ n: num() });
    total({ values: [d, num(), configured()] });
    total({ values: nums() });
  },
});

job({
  name: 'bad',
  graph: () => {
    // @ts-expect-error a string output into a number input
    double({ n: str() });
    // @ts-expect-error a required input left out
    double({});
    // @ts-expect-error an input the op does not have
    double({ n: num(), extra: num() });
    // @ts-expect-error a list of strings into a list of numbers
    total({ values: [str()] });
    // @ts-expect-error an op without inputs takes no arguments
    num({ n: num() });
  },
});

// @ts-expect-error the output of run must match `out`
op({ name: 'mismatch', out: z.string(), run: () => 1 });
