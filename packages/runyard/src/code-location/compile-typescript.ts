import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Loader, Message, PartialMessage, Plugin } from 'esbuild';
import { contentHash, hashFile } from './content-hash.js';
import { errorFromMessages, isBuildFailure } from './esbuild-messages.js';
import { extraImportConditions, findPackageDir, parsePackageSpecifier } from './package-resolution.js';

/** Extensions that Node cannot run and the loader compiles. */
export const COMPILED_EXTENSIONS: readonly string[] = ['.ts', '.mts', '.cts', '.tsx', '.jsx'];

/** A file the compiled output depends on, with the hash of the content that was compiled. */
export interface CompileInput {
  readonly path: string;
  readonly hash: string;
  /** `source`: code in the bundle. `config`: a tsconfig.json or an imported package's package.json. */
  readonly role: 'source' | 'config';
}

export interface CompileOutput {
  /** One ES module, with an inline source map. */
  readonly code: string;
  readonly inputs: readonly CompileInput[];
}

// Marks the plugin's own `build.resolve` calls so that it does not answer them itself.
const RESOLVING_BARE_IMPORT = Object.freeze({ runyardResolving: true });

/**
 * Bundles a TypeScript code location and its local imports into one ES module.
 *
 * Every package import stays external, as an absolute `file:` URL resolved from the importing
 * file: the output lives in the cache directory, where `import 'zod'` would find nothing, and a
 * package must be the same module instance the rest of the process uses (one `runyard`).
 *
 * @param outDir where the output will be written; the source map's paths are relative to it
 * @param cwd only for the paths in error messages
 */
export async function compileTypeScript(entry: string, outDir: string, cwd: string): Promise<CompileOutput> {
  // Imported here, not at the top: a cache hit never needs esbuild, and loading it costs time.
  const esbuild = await import('esbuild');
  const sources = new Map<string, string>();
  const packageJsons = new Set<string>();
  const baseDir = path.dirname(entry);
  try {
    const result = await esbuild.build({
      entryPoints: [entry],
      // Relative to the entry, so the output does not depend on where the loader was started.
      absWorkingDir: baseDir,
      outfile: path.join(outDir, 'code-location.mjs'),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      sourcemap: 'inline',
      // Node maps stack traces without the sources' text; error messages read the files.
      sourcesContent: false,
      // Bundling may rename a function to avoid a clash; stack traces should show the real name.
      keepNames: true,
      // Resolve packages exactly as Node's `import` does: without esbuild's extra `module`
      // condition and `module` main field, which would pick a second copy of a dual package.
      conditions: [...extraImportConditions()],
      mainFields: ['main'],
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [codeLocationPlugin(sources, packageJsons)],
    });
    const code = result.outputFiles[0]?.text;
    if (code === undefined) throw new Error(`esbuild produced no output for ${entry}`);
    const bundled = Object.keys(result.metafile.inputs).map((input) => path.resolve(baseDir, input));
    return { code, inputs: await describeInputs(entry, bundled, sources, packageJsons) };
  } catch (error) {
    if (isBuildFailure(error)) throw errorFromMessages(error.errors, baseDir, cwd, error);
    throw error;
  }
}

function codeLocationPlugin(sources: Map<string, string>, packageJsons: Set<string>): Plugin {
  return {
    name: 'runyard-code-location',
    setup(build) {
      // Bare specifiers only: relative and absolute imports are bundled as usual.
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === RESOLVING_BARE_IMPORT || args.kind === 'entry-point') return undefined;
        if (/^[A-Za-z]:[\\/]/.test(args.path)) return undefined;
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: RESOLVING_BARE_IMPORT,
        });
        if (resolved.errors.length > 0)
          return { errors: [unresolvedImport(args.path, args.resolveDir, resolved.errors)] };
        // Node cannot run TypeScript, so a bare import that lands on source (a tsconfig `paths`
        // alias, a workspace package that exports .ts) has to be bundled.
        if (COMPILED_EXTENSIONS.includes(path.extname(resolved.path))) return { path: resolved.path };
        const packageDir = findPackageDir(parsePackageSpecifier(args.path).name, args.resolveDir);
        if (packageDir) packageJsons.add(path.join(packageDir, 'package.json'));
        // `require()` takes a path; `import` takes a URL (a Windows path is not a valid specifier).
        return {
          path: args.kind === 'require-call' ? resolved.path : pathToFileURL(resolved.path).href,
          external: true,
        };
      });

      // Loads code itself to hash exactly the bytes that were compiled (an edit during the build
      // must not be recorded as compiled), and to keep import.meta pointing at the source file.
      build.onLoad({ filter: /\.(?:[cm]?[jt]s|[jt]sx)$/ }, async (args) => {
        if (args.namespace !== 'file') return undefined;
        const bytes = await readFile(args.path);
        sources.set(args.path, contentHash(bytes));
        return { contents: withSourceImportMeta(bytes.toString('utf8'), args.path), loader: loaderFor(args.path) };
      });
    },
  };
}

function unresolvedImport(specifier: string, resolveDir: string, errors: readonly Message[]): PartialMessage {
  const { name } = parsePackageSpecifier(specifier);
  if (!findPackageDir(name, resolveDir)) return { text: `cannot find package '${name}'; is it installed?` };
  // Installed, but the subpath is not exported or the file is missing: esbuild's notes say which.
  return { text: `cannot import '${specifier}'`, notes: errors.flatMap((e) => e.notes) };
}

/**
 * The compiled code runs from the cache directory, so `import.meta.url` would name the cached
 * file, and code that reads files next to itself (`new URL('./schema.sql', import.meta.url)`)
 * would look in the cache. Each file gets its own location instead. Line numbers do not change.
 */
export function withSourceImportMeta(code: string, file: string): string {
  const values: Readonly<Record<string, string>> = {
    url: pathToFileURL(file).href,
    filename: file,
    dirname: path.dirname(file),
  };
  return code.replace(/\bimport\.meta\.(url|filename|dirname)\b/g, (_, key: string) => JSON.stringify(values[key]));
}

function loaderFor(file: string): Loader {
  const extension = path.extname(file);
  if (extension === '.tsx' || extension === '.jsx') return extension.slice(1) as Loader;
  return /^\.[cm]?ts$/.test(extension) ? 'ts' : 'js';
}

async function describeInputs(
  entry: string,
  bundled: readonly string[],
  sources: ReadonlyMap<string, string>,
  packageJsons: ReadonlySet<string>,
): Promise<CompileInput[]> {
  const describe = async (file: string, role: CompileInput['role']): Promise<CompileInput> => {
    // JSON and other files that esbuild loaded itself are hashed now. A file that vanished
    // meanwhile gets an empty hash, which never matches, so the next load compiles again.
    const hash = sources.get(file) ?? (await hashFile(file)) ?? '';
    return { path: file, hash, role };
  };
  // esbuild reads the nearest tsconfig.json (jsx, decorators, paths), so changing it recompiles.
  const tsconfig = nearestFile(path.dirname(entry), 'tsconfig.json');
  return Promise.all([
    ...bundled.map((file) => describe(file, 'source')),
    ...(tsconfig ? [describe(tsconfig, 'config')] : []),
    // A package.json decides what a package import resolves to; an upgrade must recompile.
    ...[...packageJsons].map((file) => describe(file, 'config')),
  ]);
}

function nearestFile(fromDir: string, name: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}
