import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './cli-helpers.js';

/*
 * The API reference in docs/api/ is generated from the doc comments of the public entry points:
 * every export must have one, and the pages must be what the generator writes now. The README's
 * snippets that name an example file (`// examples/hello.ts`) must be that file, word for word.
 */

interface Generator {
  buildPages(): { pages: Map<string, string>; undocumented: string[] };
}

describe('API reference (docs/api)', async () => {
  const generator = (await import(pathToFileURL(path.join(repoRoot, 'docs/api/generate.mjs')).href)) as Generator;
  const { pages, undocumented } = generator.buildPages();

  it('every public export has a doc comment', () => {
    expect(undocumented).toEqual([]);
  });

  it('the pages are up to date (regenerate with: node docs/api/generate.mjs)', () => {
    for (const [page, text] of pages) {
      const current = readFileSync(path.join(repoRoot, 'docs/api', page), 'utf8');
      expect(current === text, `docs/api/${page} is stale: run node docs/api/generate.mjs`).toBe(true);
    }
  });

  it('the README links to it', () => {
    expect(readFileSync(path.join(repoRoot, 'README.md'), 'utf8')).toContain('(docs/api/README.md)');
  });
});

describe("the README's snippets are the example files", () => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const named = [...readme.matchAll(/```ts\n\/\/ (examples\/\S+)\n([\s\S]*?)```/g)];

  it('names at least the hello example', () => {
    expect(named.map((m) => m[1])).toContain('examples/hello.ts');
  });

  it.each(named.map((m) => [m[1]!, m[2]!]))('%s', (file, snippet) => {
    expect(snippet).toBe(readFileSync(path.join(repoRoot, file), 'utf8'));
  });
});
