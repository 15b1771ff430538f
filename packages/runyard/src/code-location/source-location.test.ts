import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeFrame, displayPath, formatAtPosition, originalPosition, stackPositions } from './source-location.js';

describe('stackPositions', () => {
  it('reads file positions from V8 frames, innermost first, and skips frames without a file', () => {
    const stack = [
      "TypeError: Cannot read properties of undefined (reading 'x')",
      '    at readSettings (/work/app/lib/settings.ts:4:9)',
      '    at file:///work/app/location.ts:12:3',
      '    at new Pipeline (file:///work/app/pipe%20line.mjs:7:11)',
      '    at eval (eval at run (file:///work/app/x.js:1:1), <anonymous>:1:1)',
      '    at async Promise.all (index 0)',
      '    at ModuleJob.run (node:internal/modules/esm/module_job:325:25)',
    ].join('\n');
    expect(stackPositions(stack)).toEqual([
      { file: '/work/app/lib/settings.ts', line: 4, column: 9 },
      { file: '/work/app/location.ts', line: 12, column: 3 },
      { file: '/work/app/pipe line.mjs', line: 7, column: 11 },
    ]);
  });

  it('leaves a position alone when Node holds no source map for its file', () => {
    const position = { file: '/work/app/location.js', line: 3, column: 1 };
    expect(originalPosition(position)).toEqual(position);
  });
});

describe('codeFrame', () => {
  it('puts a caret under the column, and keeps tabs so that it lines up', () => {
    expect(codeFrame('\tconst x = ;', 12, 12)).toBe('  12 | \tconst x = ;\n     | \t          ^');
  });

  it('underlines a span, but not past the end of the line', () => {
    expect(codeFrame("import 'zod';", 1, 8, 5)).toBe("  1 | import 'zod';\n    |        ^^^^^");
    expect(codeFrame('ab', 1, 2, 10)).toBe('  1 | ab\n    |  ^');
  });
});

describe('displayPath', () => {
  it('is relative inside cwd and absolute outside it', () => {
    const cwd = path.resolve('/work/app');
    expect(displayPath(path.join(cwd, 'lib/x.ts'), cwd)).toBe(path.join('lib', 'x.ts'));
    expect(displayPath(path.resolve('/elsewhere/x.ts'), cwd)).toBe(path.resolve('/elsewhere/x.ts'));
    expect(displayPath(path.resolve('/work/application/x.ts'), cwd)).toBe(path.resolve('/work/application/x.ts'));
  });
});

describe('formatAtPosition', () => {
  it('prefixes file:line:column and shows the line it is given', () => {
    const cwd = path.resolve('/work/app');
    const position = { file: path.join(cwd, 'a.ts'), line: 2, column: 5 };
    expect(formatAtPosition('oops', position, cwd, { lineText: 'let = 1;' })).toBe(
      'a.ts:2:5: oops\n  2 | let = 1;\n    |     ^',
    );
  });

  it('leaves the source line out when the file cannot be read', () => {
    const cwd = path.resolve('/nonexistent-runyard-dir');
    expect(formatAtPosition('oops', { file: path.join(cwd, 'a.ts'), line: 1, column: 1 }, cwd)).toBe('a.ts:1:1: oops');
  });
});
