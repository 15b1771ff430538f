import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DefinitionError } from '../errors.js';
import { job } from './job.js';
import { map } from './map.js';
import { op } from './op.js';
import { itemKeysOf, stepKeyOf, stepNodeOf } from './step-key.js';

const files = op({ name: 'files', out: z.array(z.string()), run: () => ['a'] });
const text = op({ name: 'text', out: z.string(), run: () => 'a' });
const untyped = op({ name: 'untyped', run: () => ['a'] });
const load = op({ name: 'load', ins: { file: z.string() }, run: (_c, { file }) => file });
const report = op({ name: 'report', ins: { loaded: z.array(z.string()) }, run: (_c, { loaded }) => loaded });
const split = op({ name: 'split', ins: { file: z.string() }, run: (_c, { file }) => [file] });
const one = op({ name: 'one', ins: { file: z.string() }, run: (_c, { file }) => file });

/** The DefinitionError message that defining the job throws. */
function error(graph: () => void): string {
  try {
    job({ name: 'daily', graph });
  } catch (e) {
    expect(e).toBeInstanceOf(DefinitionError);
    return (e as Error).message;
  }
  throw new Error('the job was accepted');
}

describe('map() in a job graph', () => {
  it('records the steps inside as mapped, nested maps inside their outer map', () => {
    const d = job({
      name: 'daily',
      graph: () => {
        const outer = map(files(), (file) =>
          report({ loaded: map(split({ file }), (part) => load({ file: part })).collect() }),
        );
        report.as('all')({ loaded: outer.collect() });
      },
    });
    const scopeOf = (key: string) => d.graph.steps.get(key)?.scope;
    expect(scopeOf('files')).toBeUndefined();
    expect(scopeOf('split')).toMatchObject({ source: 'files', depth: 1 });
    expect(scopeOf('load')).toMatchObject({ source: 'split', depth: 2, parent: scopeOf('split') });
    expect(scopeOf('report')).toBe(scopeOf('split'));
    expect(scopeOf('all')).toBeUndefined();
    expect(d.graph.steps.get('all')?.inputs.loaded).toMatchObject({ kind: 'collect', from: 'report' });
    expect(d.maxMappedSteps).toBe(10_000);
  });

  it('accepts a map over an op without an out schema (the list is checked at run time)', () => {
    expect(() =>
      job({ name: 'daily', graph: () => void map(untyped(), (f) => load({ file: f as never })) }),
    ).not.toThrow();
  });

  it('refuses misuse at load time, naming the job and the step', () => {
    expect(error(() => void map(text() as never, (f) => load({ file: f as never })))).toBe(
      "job 'daily', step 'text': map() over 'text' needs a list, but op 'text' declares its output as a string",
    );
    expect(
      error(() => {
        const m = map(files(), (file) => load({ file }));
        report({ loaded: m.collect() });
        report.as('again')({ loaded: m.collect() });
      }),
    ).toBe(
      "job 'daily', step 'load': the map() over 'files' is collected twice; call .collect() once and pass its result to every step that needs it",
    );
    expect(
      error(() => {
        map(files(), (file) => load({ file }));
        one({ file: load.as('x')({ file: text() }) });
        one.as('uses_mapped')({ file: 'load' as never });
      }),
    ).toContain("job 'daily', step 'uses_mapped': input 'file' must be the output of another step");
    expect(
      error(() => {
        const loaded = { h: undefined as unknown };
        map(files(), (file) => {
          const l = load({ file });
          loaded.h = l;
          return l;
        });
        one({ file: loaded.h as never });
      }),
    ).toBe(
      "job 'daily', step 'one': input 'file' takes the output of 'load', which runs once per item of the map() over 'files'; pass the map()'s .collect() instead",
    );
    expect(
      error(() => {
        let item: unknown;
        map(files(), (file) => {
          item = file;
          return load({ file });
        });
        one({ file: item as never });
      }),
    ).toBe(
      "job 'daily', step 'one': input 'file' takes the item of the map() over 'files' outside that map(); use it only in ops called inside the map()'s function",
    );
    expect(error(() => void map(files(), (file) => file))).toBe(
      "job 'daily': the function given to map() over 'files' must return the output of a step it calls (got the item itself)",
    );
    expect(error(() => void map(files(), () => undefined as never))).toBe(
      "job 'daily': the function given to map() over 'files' must return the output of a step it calls (got undefined)",
    );
    expect(
      error(() => {
        let inner: { collect(): never } | undefined;
        map(files(), (file) => {
          inner = map(split({ file }), (part) => load({ file: part })) as never;
          return one({ file });
        });
        report({ loaded: inner?.collect() as never });
      }),
    ).toBe(
      "job 'daily', step 'report': input 'loaded' collects the map() over 'split' (inside the map() over 'files'), which runs once per item of a map() this step is not in",
    );
    expect(error(() => void map(files(), (file) => load({ file }), { key: 'id' as never }))).toBe(
      "job 'daily': map() over 'files': 'key' must be a function of the item",
    );
    expect(() => map(files as never, () => undefined as never)).toThrow(/called outside a job's graph/);
  });
});

describe('step keys', () => {
  it('name the graph node before the first [, then the item keys outermost first', () => {
    expect(stepKeyOf('load', [])).toBe('load');
    expect(stepKeyOf('proc', ['a.csv', '0'])).toBe('proc[a.csv][0]');
    expect(stepNodeOf('proc[a.csv][0]')).toBe('proc');
    expect(stepNodeOf('load')).toBe('load');
    expect(itemKeysOf('proc[a.csv][0]')).toEqual(['a.csv', '0']);
    expect(itemKeysOf('load')).toEqual([]);
  });
});
