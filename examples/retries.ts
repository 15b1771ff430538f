/**
 * Retries and failures: `flaky` fails twice and then succeeds thanks to its retry policy;
 * `broken` fails for good, so the step after it is skipped and the run fails.
 *
 *   npx runyard job execute -f examples/retries.ts -j flaky      # exit 0 after two retries
 *   npx runyard job execute -f examples/retries.ts -j broken     # exit 1, names the failed step
 */
import { defineDefinitions, job, op } from 'runyard';
import { z } from 'zod';

const flakyFetch = op({
  name: 'flaky_fetch',
  description: 'Fails on its first two attempts, like a service that is still warming up.',
  retryPolicy: { maxRetries: 3, delayMs: 50, backoff: 'exponential' },
  run: (ctx) => {
    if (ctx.attempt < 3) throw new Error(`service unavailable (attempt ${ctx.attempt})`);
    return [3, 1, 2];
  },
});

const total = op({
  name: 'total',
  ins: { values: z.array(z.number()) },
  run: (ctx, { values }) => {
    const sum = values.reduce((a, b) => a + b, 0);
    ctx.log.info(`total is ${sum}`);
    return sum;
  },
});

const parse = op({
  name: 'parse',
  retryPolicy: { maxRetries: 1 },
  run: () => {
    throw new Error('malformed input on line 3', { cause: new SyntaxError('unexpected token }') });
  },
});

const report = op({
  name: 'report',
  ins: { rows: z.number() },
  run: (_ctx, { rows }) => `parsed ${rows} rows`,
});

const audit = op({ name: 'audit', run: () => 'audited' });

export const flaky = job({
  name: 'flaky',
  graph: () => {
    total({ values: flakyFetch() });
  },
});

export const broken = job({
  name: 'broken',
  description: 'parse fails after one retry; report is skipped; audit still runs.',
  graph: () => {
    report({ rows: parse() });
    audit();
  },
});

export default defineDefinitions({ jobs: [flaky, broken] });
