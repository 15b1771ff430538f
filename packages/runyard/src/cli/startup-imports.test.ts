import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A run worker's startup is the time from RUN_STARTING to RUN_START, and every CLI command pays
// for what its modules import. These check the compiled output (dist/, built by `tsc -b` before
// the tests), following static imports only: dynamic ones are the intended way to defer a load.

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
const STATIC_IMPORT = /^\s*(?:import|export)\s(?:[^;'"]*?\sfrom\s)?\s*['"]([^'"]+)['"]/gm;

/** Packages (bare specifiers) reachable from `entry` through static imports. */
function staticPackages(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      if (specifier === undefined || specifier.startsWith('node:')) continue;
      if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier));
      else packages.add(specifier);
    }
  };
  visit(path.join(dist, entry));
  return packages;
}

describe('startup imports', () => {
  it('a run worker loads neither zod, the YAML parser nor commander before it claims its run', () => {
    expect([...staticPackages('cli/commands/worker-execute-run.js')]).toEqual([]);
    expect([...staticPackages('cli/fast-start.js')]).toEqual([]);
  });

  it('opening an instance loads no validator and no YAML parser', () => {
    expect([...staticPackages('instance/instance.js')]).toEqual([]);
  });

  it('importing runyard, as every code location does, loads no validator', () => {
    expect([...staticPackages('index.js')]).toEqual([]);
  });

  it('the check itself sees static imports', () => {
    expect(staticPackages('cli/main.js')).toContain('commander');
    expect(staticPackages('instance/builtin-component-schemas.js')).toContain('zod');
  });
});
