import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Resolves a bare specifier the way `import` would from a file in `fromDir`.
 *
 * Node 20 has no public API for this: `import.meta.resolve` ignores its parent argument without
 * a flag, and `require.resolve` applies the `require` condition, which picks the CommonJS build of
 * a dual package (a second copy of the module) and fails on `import`-only packages. So this finds
 * the package with require's search paths and reads its `exports` with the `import` conditions.
 */

/**
 * Conditions this Node process applies besides `node`, `import` and `default`: `module-sync` where
 * Node can require ES modules (20.19+, 22.12+), and any given with `--conditions` / `-C`.
 */
export function extraImportConditions(): readonly string[] {
  const conditions: string[] = [];
  if ((process.features as { require_module?: boolean }).require_module) conditions.push('module-sync');
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  for (const [i, arg] of args.entries()) {
    const inline = /^(?:--conditions|-C)=(.+)$/.exec(arg);
    if (inline) conditions.push(inline[1] as string);
    else if ((arg === '--conditions' || arg === '-C') && args[i + 1]) conditions.push(args[i + 1] as string);
  }
  return conditions;
}

/** The conditions Node applies to `import`, in no particular order (`exports` decides order). */
const IMPORT_CONDITIONS: ReadonlySet<string> = new Set(['node', 'import', 'default', ...extraImportConditions()]);

export type PackageResolution =
  | { readonly found: true; readonly file: string }
  | { readonly found: false; readonly reason: 'not-installed' | 'not-exported'; readonly packageName: string };

export interface PackageSpecifier {
  /** `zod`, `@scope/pkg` */
  readonly name: string;
  /** `.` or `./sub/path` */
  readonly subpath: string;
}

export function parsePackageSpecifier(specifier: string): PackageSpecifier {
  const parts = specifier.split('/');
  const nameParts = specifier.startsWith('@') ? 2 : 1;
  const rest = parts.slice(nameParts);
  return { name: parts.slice(0, nameParts).join('/'), subpath: rest.length ? `./${rest.join('/')}` : '.' };
}

/** The directory of the installed package `name` that a file in `fromDir` would import, if any. */
export function findPackageDir(name: string, fromDir: string): string | undefined {
  const searchDirs = createRequire(path.join(fromDir, 'noop.js')).resolve.paths(name) ?? [];
  for (const dir of searchDirs) {
    const candidate = path.join(dir, name);
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
  }
  return undefined;
}

export function resolvePackage(specifier: string, fromDir: string): PackageResolution {
  const { name, subpath } = parsePackageSpecifier(specifier);
  const packageDir = findPackageDir(name, fromDir);
  if (!packageDir) return { found: false, reason: 'not-installed', packageName: name };

  const manifest = readPackageJson(packageDir);
  if (manifest?.exports !== undefined) {
    const target = exportsTarget(manifest.exports, subpath);
    const file = target === undefined ? undefined : existingRealPath(path.join(packageDir, target));
    return file ? { found: true, file } : { found: false, reason: 'not-exported', packageName: name };
  }
  // Without `exports`, Node's ESM resolver falls back to `main` and the same index/extension
  // lookup that require does.
  try {
    const file = createRequire(path.join(packageDir, 'package.json')).resolve(
      subpath === '.' ? packageDir : path.join(packageDir, subpath),
    );
    return { found: true, file: realpathSync(file) };
  } catch {
    return { found: false, reason: 'not-exported', packageName: name };
  }
}

function existingRealPath(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

function readPackageJson(dir: string): { exports?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { exports?: unknown };
  } catch {
    return undefined;
  }
}

/** The file an `exports` field maps `subpath` to (relative to the package), following the spec's rules. */
export function exportsTarget(exports: unknown, subpath: string): string | undefined {
  const map = isSubpathMap(exports) ? (exports as Record<string, unknown>) : { '.': exports };
  if (Object.hasOwn(map, subpath)) return conditionalTarget(map[subpath]);

  // Subpath patterns (`./features/*`): the key with the longest prefix before `*` wins.
  const patterns = Object.keys(map)
    .filter((key) => key.split('*').length === 2)
    .sort((a, b) => b.indexOf('*') - a.indexOf('*'));
  for (const key of patterns) {
    const [prefix, suffix] = key.split('*') as [string, string];
    if (subpath.length < key.length - 1 || !subpath.startsWith(prefix) || !subpath.endsWith(suffix)) continue;
    const target = conditionalTarget(map[key]);
    return target?.replaceAll('*', subpath.slice(prefix.length, subpath.length - suffix.length));
  }
  return undefined;
}

function isSubpathMap(exports: unknown): boolean {
  if (typeof exports !== 'object' || exports === null || Array.isArray(exports)) return false;
  return Object.keys(exports).some((key) => key.startsWith('.'));
}

/** Walks a conditions object in its own key order, taking the first condition `import` meets. */
function conditionalTarget(target: unknown): string | undefined {
  if (typeof target === 'string') return target.startsWith('./') ? target : undefined;
  if (Array.isArray(target)) {
    for (const alternative of target) {
      const resolved = conditionalTarget(alternative);
      if (resolved !== undefined) return resolved;
    }
    return undefined;
  }
  if (typeof target === 'object' && target !== null) {
    for (const [condition, value] of Object.entries(target)) {
      if (!IMPORT_CONDITIONS.has(condition)) continue;
      const resolved = conditionalTarget(value);
      if (resolved !== undefined) return resolved;
    }
  }
  // `null` excludes the subpath on purpose.
  return undefined;
}
