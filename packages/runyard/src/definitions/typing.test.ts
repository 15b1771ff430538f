import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const project = fileURLToPath(new URL('../../test-types/tsconfig.json', import.meta.url));

it('the compiler catches wiring mistakes (test-types/wiring.ts)', async () => {
  const result = await promisify(execFile)(process.execPath, [tsc, '-p', project], { encoding: 'utf8' }).catch(
    (error: { stdout: string; code: number }) => error,
  );
  // Any output means an expected error did not happen, or a correct wiring was rejected.
  expect('stdout' in result ? result.stdout : '').toBe('');
  // A whole tsc run: under a loaded CI machine it took over the default 60 s once.
}, 240_000);
