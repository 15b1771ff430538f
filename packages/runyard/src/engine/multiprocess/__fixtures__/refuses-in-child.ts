// A code location that loads in the test process but not in step processes, whose environment
// the test sets through the executor's `env` option.
import { defineDefinitions, job, op } from 'runyard';
import { z } from 'zod';

if (process.env.RUNYARD_TEST_REFUSE_LOAD === '1') throw new Error('this code location refuses to load here');

const one = op({ name: 'one', run: () => 1 });
const two = op({ name: 'two', ins: { x: z.number() }, run: (_ctx, { x }) => x + 1 });
const three = op({ name: 'three', run: () => 3 });

export default defineDefinitions({
  jobs: [
    job({
      name: 'refuses',
      executor: { type: 'multiprocess' },
      graph: () => {
        two({ x: one() });
        three();
      },
    }),
  ],
});
