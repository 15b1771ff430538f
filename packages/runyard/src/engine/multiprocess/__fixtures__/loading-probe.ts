// A code location that samples, as each step process loads it, how many step processes are
// loading at that moment: each writes a marker while it loads, counts the markers, and appends
// the count to `samples`. The test reads the samples; nothing here measures time. Only step
// processes do this: the test sets RUNYARD_TEST_LOADING_DIR through the executor's `env` option.
import { appendFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { defineDefinitions, job, op } from 'runyard';

const dir = process.env.RUNYARD_TEST_LOADING_DIR;
if (dir) {
  const marker = path.join(dir, `${process.pid}.loading`);
  writeFileSync(marker, '');
  const loading = readdirSync(dir).filter((name) => name.endsWith('.loading')).length;
  appendFileSync(path.join(dir, 'samples'), `${loading}\n`);
  // Go on loading for a moment, so that start-ups that overlap would see each other's markers.
  const until = Date.now() + 100;
  while (Date.now() < until);
  rmSync(marker);
}

const leaf = op({ name: 'leaf', run: () => process.pid });

export default defineDefinitions({
  jobs: [
    job({
      name: 'many_leaves',
      executor: { type: 'multiprocess', maxConcurrent: 6 },
      graph: () => {
        for (let i = 0; i < 6; i++) leaf.as(`leaf_${i}`)();
      },
    }),
  ],
});
