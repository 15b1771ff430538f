import { describe, expect, it } from 'vitest';
import { applySuggestion, completionAt } from './config-completion';

const steps = [
  {
    key: 'extract',
    op: 'extract',
    configSchema: {
      type: 'object',
      properties: {
        count: { type: 'integer', default: 3 },
        label: { type: 'string', default: 'rows' },
        source: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
      },
    },
  },
  { key: 'double', op: 'double' },
];

const at = (text: string) => completionAt(text.replace('|', ''), text.indexOf('|'), steps);

describe('config key completion', () => {
  it('suggests ops, then the steps that take config, then config', () => {
    expect(at('|').suggestions.map((s) => s.key)).toEqual(['ops']);
    expect(at('ops:\n  |').suggestions.map((s) => s.key)).toEqual(['extract']);
    expect(at('ops:\n  extract:\n    |').suggestions.map((s) => s.key)).toEqual(['config']);
  });

  it("suggests an op's config keys with their types and defaults, by prefix, leaving out those written", () => {
    const ctx = at('ops:\n  extract:\n    config:\n      count: 2\n      |');
    expect(ctx.path).toEqual(['ops', 'extract', 'config']);
    expect(ctx.suggestions).toEqual([
      { key: 'label', type: 'string', required: false, defaultValue: 'rows' },
      { key: 'source', type: 'object', required: false },
    ]);
    expect(at('ops:\n  extract:\n    config:\n      la|').suggestions.map((s) => s.key)).toEqual(['label']);
    expect(at('ops:\n  extract:\n    config:\n      source:\n        |').suggestions).toEqual([
      { key: 'path', type: 'string', required: true },
    ]);
  });

  it('completes the line with the key and its default', () => {
    const text = 'ops:\n  extract:\n    config:\n      la';
    const ctx = completionAt(text, text.length, steps);
    const done = applySuggestion(text, ctx, ctx.suggestions[0]!);
    expect(done.text).toBe('ops:\n  extract:\n    config:\n      label: rows');
    expect(done.cursor).toBe(done.text.length);
  });

  it('suggests nothing after the colon', () => {
    expect(at('ops:\n  extract:\n    config:\n      count: |').suggestions).toEqual([]);
  });
});
