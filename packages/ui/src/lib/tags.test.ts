import { expect, it } from 'vitest';
import { tagsFromRows } from './tags';

it('turns rows into tags, ignoring empty rows and trimming keys', () => {
  const r = tagsFromRows([
    { key: ' team ', value: 'data' },
    { key: '', value: '' },
    { key: 'note', value: ' spaced value ' },
  ]);
  expect(r.tags).toEqual({ team: 'data', note: ' spaced value ' });
  expect(r.errors.size).toBe(0);
});

it('flags a value without a key and a duplicate key, by row', () => {
  const r = tagsFromRows([
    { key: 'a', value: '1' },
    { key: '', value: 'orphan' },
    { key: 'a', value: '2' },
  ]);
  expect(r.tags).toEqual({ a: '1' });
  expect([...r.errors]).toEqual([
    [1, 'a tag needs a key'],
    [2, 'duplicate key a'],
  ]);
});

it('does not treat inherited object keys as duplicates', () => {
  expect(tagsFromRows([{ key: 'constructor', value: 'x' }]).tags).toEqual({ constructor: 'x' });
});
