import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isPlainObject } from './config-values.js';

/**
 * The file that `import(specifier)` would load from a module in `fromDir`, for the package shapes
 * plug-ins use: `exports` as a string, a conditions object or a subpath map (no `*` patterns),
 * else `main`, else index.js. Node offers no API for this: `import.meta.resolve` only resolves from
 * the calling module (a parent URL needs a flag on Node 20), and `require.resolve` ignores the
 * `import` condition that ESM-only packages rely on.
 */
export async function resolvePackageFrom(specifier: string, fromDir: string): Promise<string | undefined> {
  const { name, subpath } = splitSpecifier(specifier);
  for (let dir = path.resolve(fromDir); ; dir = path.dirname(dir)) {
    const packageDir = path.join(dir, 'node_modules', name);
    const manifest = await readManifest(path.join(packageDir, 'package.json'));
    if (manifest) {
      const target = exportTarget(manifest, subpath);
      return target === undefined ? undefined : path.resolve(packageDir, target);
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** `@scope/pkg/sub/path` → `@scope/pkg` and `./sub/path`; `pkg` → `pkg` and `.`. */
function splitSpecifier(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split('/');
  const nameParts = specifier.startsWith('@') ? 2 : 1;
  const rest = parts.slice(nameParts);
  return { name: parts.slice(0, nameParts).join('/'), subpath: rest.length ? `./${rest.join('/')}` : '.' };
}

async function readManifest(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const data: unknown = JSON.parse(await readFile(file, 'utf8'));
    return isPlainObject(data) ? data : undefined;
  } catch {
    return undefined;
  }
}

function exportTarget(manifest: Record<string, unknown>, subpath: string): string | undefined {
  const { exports } = manifest;
  if (exports === undefined || exports === null) {
    if (subpath !== '.') return subpath;
    return typeof manifest.main === 'string' ? manifest.main : 'index.js';
  }
  const isSubpathMap = isPlainObject(exports) && Object.keys(exports).some((key) => key.startsWith('.'));
  const entry = isSubpathMap ? (exports as Record<string, unknown>)[subpath] : subpath === '.' ? exports : undefined;
  return pickCondition(entry);
}

const CONDITIONS = new Set(['import', 'node', 'default']);

/** Conditions are tried in the object's own key order, as Node does. */
function pickCondition(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (Array.isArray(entry)) {
    for (const item of entry) {
      const target = pickCondition(item);
      if (target !== undefined) return target;
    }
  } else if (isPlainObject(entry)) {
    for (const [condition, value] of Object.entries(entry)) {
      if (!CONDITIONS.has(condition)) continue;
      const target = pickCondition(value);
      if (target !== undefined) return target;
    }
  }
  return undefined;
}
