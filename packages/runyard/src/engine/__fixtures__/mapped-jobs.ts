// A code location for the tests of map() (mapped steps): every job twice, `<name>` in process and
// `<name>_mp` on the multiprocess executor. Ops find their scratch directory in the run's
// `test/dir` tag; what `load` does depends on the item's name (see below).
import { appendFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { defineDefinitions, type ExecutorConfig, type JobDefinition, job, map, op } from 'runyard';
import { z } from 'zod';

const dirOf = (tags: Readonly<Record<string, string>>) => tags['test/dir'];

const listFiles = op({
  name: 'list_files',
  config: z.object({ items: z.array(z.string()) }),
  out: z.array(z.string()),
  run: (ctx) => ctx.config.items,
});

/**
 * `flaky-*` fails its first attempt; `bad-*` fails every attempt until `<dir>/fixed` exists;
 * `slow-*` waits for `<dir>/go`. Each attempt appends the item to `<dir>/ran`.
 */
const load = op({
  name: 'load',
  ins: { file: z.string() },
  retryPolicy: { maxRetries: 2 },
  run: async (ctx, { file }) => {
    const dir = dirOf(ctx.tags);
    if (dir) appendFileSync(path.join(dir, 'ran'), `${ctx.stepKey}\n`);
    if (file.startsWith('flaky') && ctx.attempt === 1) throw new Error(`${file} fails its first attempt`);
    if (file.startsWith('bad') && !(dir && existsSync(path.join(dir, 'fixed')))) throw new Error(`${file} is bad`);
    if (file.startsWith('slow')) while (!(dir && existsSync(path.join(dir, 'go')))) await delay(20);
    return { file, size: file.length };
  },
});
const loaded = z.array(z.object({ file: z.string(), size: z.number() }));
const report = op({ name: 'report', ins: { loaded }, run: (_ctx, { loaded }) => loaded.map((l) => l.file) });
const partialReport = op({
  name: 'partial_report',
  ins: { loaded },
  partialResults: true,
  run: (_ctx, { loaded }) => loaded.map((l) => l.file),
});

const count = op({
  name: 'count',
  config: z.object({ n: z.number() }),
  run: (ctx) => Array.from({ length: ctx.config.n }, (_, i) => i),
});
const square = op({ name: 'square', ins: { n: z.number() }, run: (_ctx, { n }) => n * n });
const sum = op({
  name: 'sum',
  ins: { values: z.array(z.number()) },
  run: (_ctx, { values }) => values.reduce((a, b) => a + b, 0),
});

const split = op({ name: 'split', ins: { file: z.string() }, run: (_ctx, { file }) => [`${file}-x`, `${file}-y`] });
const proc = op({
  name: 'proc',
  ins: { part: z.string(), file: z.string() },
  run: (ctx, { part, file }) => `${ctx.stepKey}:${file}/${part}`,
});
const merge = op({ name: 'merge', ins: { parts: z.array(z.string()) }, run: (_ctx, { parts }) => parts });
const all = op({ name: 'all', ins: { merged: z.array(z.array(z.string())) }, run: (_ctx, { merged }) => merged });

const records = op({ name: 'records', run: () => [{ id: 'r-1' }, { id: 'r-2' }, { id: 'r-3' }] });
const touch = op({
  name: 'touch',
  ins: { r: z.object({ id: z.string() }) },
  run: (ctx, { r }) => `${ctx.stepKey}=${r.id}`,
});
const gather = op({
  name: 'gather',
  ins: { keyed: z.array(z.string()), indexed: z.array(z.string()) },
  run: (_ctx, ins) => ins,
});

function variants(name: string, make: (name: string, executor: ExecutorConfig) => JobDefinition): JobDefinition[] {
  return [
    make(name, { type: 'in_process', maxConcurrent: 8 }),
    make(`${name}_mp`, { type: 'multiprocess', maxConcurrent: 4 }),
  ];
}

const jobs = [
  ...variants('fanout', (name, executor) =>
    job({ name, executor, graph: () => void report({ loaded: map(listFiles(), (file) => load({ file })).collect() }) }),
  ),
  ...variants('fanout_partial', (name, executor) =>
    job({
      name,
      executor,
      graph: () => void partialReport({ loaded: map(listFiles(), (file) => load({ file })).collect() }),
    }),
  ),
  ...variants('squares', (name, executor) =>
    job({ name, executor, graph: () => void sum({ values: map(count(), (n) => square({ n })).collect() }) }),
  ),
  ...variants('nested', (name, executor) =>
    job({
      name,
      executor,
      graph: () => {
        const merged = map(listFiles(), (file) =>
          merge({ parts: map(split({ file }), (part) => proc({ part, file })).collect() }),
        );
        all({ merged: merged.collect() });
      },
    }),
  ),
  ...variants('keys', (name, executor) =>
    job({
      name,
      executor,
      graph: () => {
        const list = records();
        gather({
          keyed: map(list, (r) => touch.as('touch_keyed')({ r }), { key: (r) => r.id }).collect(),
          indexed: map(list, (r) => touch({ r })).collect(),
        });
      },
    }),
  ),
  ...variants('limited', (name, executor) =>
    job({
      name,
      executor,
      maxMappedSteps: 3,
      graph: () => void report({ loaded: map(listFiles(), (file) => load({ file })).collect() }),
    }),
  ),
];

export default defineDefinitions({ jobs });
