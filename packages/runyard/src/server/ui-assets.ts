import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Where the built web app is: `@runyard/ui`'s dist directory, or undefined when the package is not
 * installed or not built (the API still works; pages say how to build it).
 */
export function findUiAssets(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('@runyard/ui/package.json');
    const dist = path.join(path.dirname(pkg), 'dist');
    return existsSync(path.join(dist, 'index.html')) ? dist : undefined;
  } catch {
    return undefined;
  }
}
