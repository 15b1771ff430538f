import { describe, expect, it } from 'vitest';
import { jsonNestingDepth, yamlNestingDepth } from './nesting-depth.js';

describe('jsonNestingDepth', () => {
  it.each([
    ['{}', 1],
    ['{"a":[1,{"b":2}]}', 3],
    ['{"a":"[[[[{{{{"}', 1],
    ['{"a":"quote \\" [[["}', 1],
    ['[]'.repeat(5), 1],
    [`${'['.repeat(5000)}${']'.repeat(5000)}`, 5000],
  ])('%s → %d', (text, depth) => {
    expect(jsonNestingDepth(text)).toBe(depth);
  });
});

describe('yamlNestingDepth', () => {
  it.each([
    ['', 0],
    ['a: 1', 1],
    ['ops:\n  load:\n    config:\n      url: x\n  other: 1', 4],
    ['list:\n  - a\n  - b: [1, {c: 2}]', 5],
    ['a: "[[[[" # [[[[', 1],
    ['- - - - x', 5],
    [`${'['.repeat(3000)}${']'.repeat(3000)}`, 3001],
    [Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'), 200],
  ])('%j → %d', (text, depth) => {
    expect(yamlNestingDepth(text)).toBe(depth);
  });
});
