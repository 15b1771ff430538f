import { describe, expect, it } from 'vitest';
import { defineDefinitions } from '../definitions/definitions.js';
import { job } from '../definitions/job.js';
import { op } from '../definitions/op.js';
import { schedule } from '../definitions/schedule.js';
import { CodeLocationError } from '../errors.js';
import { definitionsFromModule, describeValue } from './default-export.js';

const tick = op({ name: 'tick', run: () => 1 });
const hourly = job({ name: 'hourly', graph: () => void tick() });
const daily = job({ name: 'daily', graph: () => void tick() });
const nightly = schedule({ name: 'nightly', cron: '0 3 * * *', job: daily });
const definitions = defineDefinitions({ jobs: [hourly] });

function messageFor(namespace: Record<string, unknown>): string {
  try {
    definitionsFromModule(namespace, 'loc.ts', '/abs/loc.ts');
  } catch (error) {
    expect(error).toBeInstanceOf(CodeLocationError);
    expect((error as CodeLocationError).userError).toBe(true);
    expect((error as CodeLocationError).data).toEqual({ file: '/abs/loc.ts' });
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('definitionsFromModule', () => {
  it('returns the default export when it is definitions', () => {
    expect(definitionsFromModule({ default: definitions }, 'loc.ts', '/abs/loc.ts')).toBe(definitions);
  });

  it('unwraps CommonJS compiled from TypeScript (exports.default)', () => {
    const namespace = { default: { __esModule: true, default: definitions } };
    expect(definitionsFromModule(namespace, 'loc.cjs', '/abs/loc.cjs')).toBe(definitions);
  });

  it('says when there is no default export, and what is exported instead', () => {
    expect(messageFor({})).toBe('loc.ts has no default export; export default defineDefinitions({ jobs: [...] })');
    expect(messageFor({ a: 1, b: 2 })).toBe(
      'loc.ts has no default export (it exports a, b); export default defineDefinitions({ jobs: [...] })',
    );
  });

  it.each([
    [hourly, "the job 'hourly'", 'did you mean defineDefinitions({ jobs: [hourly] })?'],
    [[hourly, daily], 'an array of 2 items', 'did you mean defineDefinitions({ jobs: [hourly, daily] })?'],
    [nightly, "the schedule 'nightly'", 'did you mean defineDefinitions({ schedules: [nightly] })?'],
    [
      tick,
      "the op 'tick'",
      'an op runs inside a job: put it in a job and export default defineDefinitions({ jobs: [...] })',
    ],
    [defineDefinitions, 'a function (defineDefinitions)', 'call it: export default defineDefinitions({ jobs: [...] })'],
    [
      Promise.resolve(definitions),
      'a promise',
      'await it before exporting (top-level await works in ES modules), or export default defineDefinitions({ jobs: [...] })',
    ],
    [
      { jobs: [hourly], schedules: [] },
      'a plain object with keys jobs, schedules',
      'pass it through defineDefinitions: export default defineDefinitions({ jobs, schedules })',
    ],
  ])('names a wrong default export and what was meant: %#', (value, what, hint) => {
    expect(messageFor({ default: value })).toBe(`loc.ts: the default export is ${what}, not definitions; ${hint}`);
  });
});

describe('describeValue', () => {
  class Pipeline {}
  it.each([
    [undefined, 'undefined'],
    [null, 'null'],
    ['hello', 'a string ("hello")'],
    ['x'.repeat(50), `a string ("${'x'.repeat(40)}…")`],
    [42, 'the number 42'],
    [true, 'the boolean true'],
    [() => 1, 'an anonymous function'],
    [[], 'an array of 0 items'],
    [['a'], 'an array of 1 item'],
    [{}, 'an empty object'],
    [Object.create(null), 'an empty object'],
    [{ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9 }, 'a plain object with keys a, b, c, d, e, f, g, h …'],
    [new Pipeline(), 'an instance of Pipeline'],
  ])('%s', (value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });
});
