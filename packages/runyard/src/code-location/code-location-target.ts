import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodeLocationError } from '../errors.js';
import { COMPILED_EXTENSIONS } from './compile-typescript.js';
import { parsePackageSpecifier, resolvePackage } from './package-resolution.js';

/** Extensions that Node imports as they are. */
export const NATIVE_EXTENSIONS: readonly string[] = ['.js', '.mjs', '.cjs'];

const KNOWN_EXTENSIONS: readonly string[] = [...COMPILED_EXTENSIONS, ...NATIVE_EXTENSIONS];

/** What a `-f` argument names. */
export interface CodeLocationTarget {
  /** The absolute path of the module to load. */
  readonly file: string;
  /** `CodeLocation.path`: the absolute file for a file, the name for a package. */
  readonly path: string;
}

/**
 * A file path (starts with `.`, `/` or a drive letter, or ends in a known extension), resolved
 * against cwd, or else a package name, resolved the way `import` would from cwd.
 */
export function resolveCodeLocationTarget(target: string, cwd: string): CodeLocationTarget {
  if (!target.trim()) throw new CodeLocationError('no code location given: name a .ts or .js file, or a package');
  if (target.startsWith('file:')) return resolveFile(target, fileURLToPath(target));
  const looksLikePath = /^[.\\/]|^[A-Za-z]:[\\/]/.test(target) || KNOWN_EXTENSIONS.includes(path.extname(target));
  if (looksLikePath) return resolveFile(target, path.resolve(cwd, target));
  try {
    return resolvePackageTarget(target, cwd);
  } catch (error) {
    // `-f notts.json` or `-f somedir` names something that exists here: say what is wrong with it,
    // not that no package of that name is installed.
    const file = path.resolve(cwd, target);
    if (statSync(file, { throwIfNoEntry: false })) return resolveFile(target, file);
    throw error;
  }
}

function resolveFile(target: string, file: string): CodeLocationTarget {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(file).isDirectory();
  } catch {
    throw new CodeLocationError(`code location '${target}' was not found (looked for ${file})`, { file });
  }
  if (isDirectory)
    throw new CodeLocationError(
      `code location '${target}' is a directory (${file}); name the file whose default export is defineDefinitions(…)`,
      { file },
    );
  if (!KNOWN_EXTENSIONS.includes(path.extname(file)))
    throw new CodeLocationError(`code location '${target}' is not a ${KNOWN_EXTENSIONS.join(', ')} file`, { file });
  return { file, path: file };
}

function resolvePackageTarget(target: string, cwd: string): CodeLocationTarget {
  const resolution = resolvePackage(target, cwd);
  if (!resolution.found) {
    const { name, subpath } = parsePackageSpecifier(target);
    const why =
      resolution.reason === 'not-installed'
        ? `no package '${name}' is installed where ${cwd} can import it (a file path needs its extension, or ./ in front)`
        : subpath === '.'
          ? `package '${name}' has no entry point that import can load (check "exports" and "main" in its package.json)`
          : `package '${name}' does not export '${subpath}'`;
    throw new CodeLocationError(`code location '${target}' was not found: ${why}`);
  }
  if (!KNOWN_EXTENSIONS.includes(path.extname(resolution.file)))
    throw new CodeLocationError(
      `code location '${target}' resolves to ${resolution.file}, which is not a ${KNOWN_EXTENSIONS.join(', ')} file`,
      { file: resolution.file },
    );
  return { file: resolution.file, path: target };
}
