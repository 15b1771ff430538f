// A code location that loads in the run worker's main thread but not in a step thread: the
// threads executor must fail its steps with the reason, once, without a thread per step.
import { isMainThread } from 'node:worker_threads';
import { defineDefinitions, job, op } from 'runyard';
import { z } from 'zod';

if (!isMainThread) throw new Error('this code location refuses to load in a thread');

const one = op({ name: 'one', run: () => 1 });
const two = op({ name: 'two', ins: { n: z.number() }, run: (_ctx, { n }) => n + 1 });
const three = op({ name: 'three', run: () => 3 });

export default defineDefinitions({
  jobs: [
    job({
      name: 'refuses',
      executor: { type: 'threads', maxConcurrent: 2 },
      graph: () => {
        two({ n: one() });
        three();
      },
    }),
  ],
});
