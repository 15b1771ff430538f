/**
 * Compile-time checks of map() and .collect(): every `@ts-expect-error` below must be an error,
 * or `tsc` fails this project (run by src/definitions/typing.test.ts).
 */
import { z } from 'zod';
import { job, map, op } from '../src/index.js';

const LoadResult = z.object({ file: z.string(), rows: z.number() });

const files = op({ name: 'files', out: z.array(z.string()), run: () => ['a.csv'] });
const sizes = op({ name: 'sizes', run: () => [1, 2, 3] });
const one = op({ name: 'one', run: () => 'text' });
const load = op({ name: 'load', ins: { file: z.string() }, run: (_ctx, { file }) => ({ file, rows: 1 }) });
const double = op({ name: 'double', ins: { n: z.number() }, run: (_ctx, { n }) => n * 2 });
const report = op({ name: 'report', ins: { loaded: z.array(LoadResult) }, run: (_ctx, { loaded }) => loaded.length });
const total = op({ name: 'total', ins: { values: z.array(z.number()) }, run: (_ctx, { values }) => values.length });
const split = op({ name: 'split', ins: { file: z.string() }, run: (_ctx, { file }) => [file, file] });
const len = op({ name: 'len', ins: { p: z.string() }, run: (_ctx, { p }) => p.length });
const join = op({ name: 'join', ins: { parts: z.array(z.number()) }, run: (_ctx, { parts }) => parts.length });

job({
  name: 'good',
  graph: () => {
    const list = files();
    report({ loaded: map(list, (file) => load({ file })).collect() });
    total({ values: map(sizes(), (n) => double({ n }), { key: (n) => `n${n}` }).collect() });
    // Nested: a map inside a map, collected at each level.
    const counts = map(list, (file) => join({ parts: map(split({ file }), (part) => len({ p: part })).collect() }));
    total({ values: counts.collect() });
  },
});

job({
  name: 'bad',
  graph: () => {
    // @ts-expect-error mapping an output that is not a list
    map(one(), (x) => load({ file: x }));
    // @ts-expect-error the item is a string, the input takes a number
    map(files(), (file) => double({ n: file }));
    // @ts-expect-error the collected list holds numbers, the collector takes LoadResults
    report({ loaded: map(sizes(), (n) => double({ n })).collect() });
    // @ts-expect-error the mapped step's output is not a list of numbers
    total({ values: map(files(), (file) => load({ file })).collect() });
    // @ts-expect-error the map's result itself is not an output: collect it
    report({ loaded: map(files(), (file) => load({ file })) });
    // @ts-expect-error the key function gets the item's type
    map(sizes(), (n) => double({ n }), { key: (n: string) => n });
  },
});
