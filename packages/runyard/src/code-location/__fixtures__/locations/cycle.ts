import { defineDefinitions, job, op } from 'runyard';
import { z } from 'zod';

const pass = op({ name: 'pass', ins: { value: z.number() }, run: (_ctx, { value }) => value });

export const loop = job({
  name: 'loop',
  steps: { a: { op: pass, inputs: { value: 'b' } }, b: { op: pass, inputs: { value: 'a' } } },
});

export default defineDefinitions({ jobs: [loop] });
