// A TypeScript location that imports a local .ts file, `zod` and `runyard`.
import { defineDefinitions, job } from 'runyard';
import { z } from 'zod';
import { greet, shout } from './lib/ops.js';

const Settings = z.object({ loud: z.boolean(), times: z.number() });
export const settingKeys: readonly string[] = Object.keys(Settings.shape);

export const hello = job({
  name: 'hello',
  graph: () => {
    shout({ text: greet() });
  },
});

export default defineDefinitions({ jobs: [hello] });
