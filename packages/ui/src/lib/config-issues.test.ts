import { describe, expect, it } from 'vitest';
import { formatIssuePath, issuesByLine, sortIssues } from './config-issues';

describe('issuesByLine', () => {
  it('groups messages by their 1-based line', () => {
    const map = issuesByLine(
      [
        { path: 'ops.extract.config.count', message: 'expected number', line: 4 },
        { path: ['ops', 'extract', 'config', 'count'], message: 'too small', line: 4 },
        { path: 'ops.other', message: 'unknown op', line: 2 },
      ],
      6,
    );
    expect([...map.keys()].sort()).toEqual([2, 4]);
    expect(map.get(4)).toEqual(['ops.extract.config.count: expected number', 'ops.extract.config.count: too small']);
  });

  it('leaves out issues without a usable line and clamps lines past the end', () => {
    const map = issuesByLine(
      [
        { path: 'ops', message: 'missing', line: 99 },
        { path: 'x', message: 'no line' },
        { path: 'y', message: 'zero', line: 0 },
        { path: 'z', message: 'fraction', line: 1.5 },
      ],
      3,
    );
    expect([...map.entries()]).toEqual([[3, ['ops: missing']]]);
  });
});

describe('formatIssuePath', () => {
  it('joins array paths and names the root', () => {
    expect(formatIssuePath(['ops', 'a', 0, 'b'])).toBe('ops.a.0.b');
    expect(formatIssuePath([])).toBe('(root)');
    expect(formatIssuePath('')).toBe('(root)');
  });
});

it('sorts issues by line with line-less ones last', () => {
  const sorted = sortIssues([
    { path: 'a', message: 'none' },
    { path: 'b', message: 'five', line: 5 },
    { path: 'c', message: 'one', line: 1 },
  ]);
  expect(sorted.map((i) => i.path)).toEqual(['c', 'b', 'a']);
});
