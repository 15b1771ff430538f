/**
 * Loads a code location: a .ts/.js file (or an installed package) whose default export is
 * `defineDefinitions({ jobs, schedules })`.
 *
 *   const location = await loadCodeLocation('examples/hello.ts');
 *   const hello = location.getJob('hello');
 *
 * TypeScript is bundled with esbuild into a cache keyed by content (see compile-cache.ts), so a
 * run worker that loads an unchanged location imports the cached JavaScript and never loads
 * esbuild. Every mistake becomes a CodeLocationError whose message names the file and line.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Definitions } from '../definitions/definitions.js';
import type { JobDefinition } from '../definitions/job.js';
import { JobNotFoundError } from '../errors.js';
import { resolveCodeLocationTarget } from './code-location-target.js';
import { compileWithCache } from './compile-cache.js';
import { COMPILED_EXTENSIONS } from './compile-typescript.js';
import { definitionsFromModule } from './default-export.js';
import type { LoadErrorContext } from './explain-load-error.js';
import { displayPath } from './source-location.js';

/** Options of `loadCodeLocation()`: the directory a relative target is resolved from, and where compiled TypeScript is cached. */
export interface LoadCodeLocationOptions {
  /** Where relative paths and package names are resolved from; default `process.cwd()`. */
  cwd?: string;
  /** Where compiled code is cached; default env RUNYARD_CACHE_DIR or `<os.tmpdir()>/runyard-cache`. */
  cacheDir?: string;
}

/**
 * A loaded code location: its definitions, where it came from, and `getJob(name)`, which throws
 * `JobNotFoundError` naming the jobs there.
 */
export interface CodeLocation {
  /** As given: `examples/hello.ts`, `my-pipelines`. */
  readonly target: string;
  /** The absolute file path, or the package name. */
  readonly path: string;
  readonly definitions: Definitions;
  /** @throws JobNotFoundError listing the jobs the location has */
  getJob(name: string): JobDefinition;
}

/** A load, with what it cost: for tests and diagnostics. */
export interface CodeLocationLoad {
  readonly location: CodeLocation;
  /** True when TypeScript was compiled by this load; false for a cache hit or JavaScript. */
  readonly compiled: boolean;
  /** The file that was imported: the cached output for TypeScript, else the location itself. */
  readonly moduleFile: string;
}

/** @throws CodeLocationError (a user error) when the location cannot be loaded */
export async function loadCodeLocation(target: string, options: LoadCodeLocationOptions = {}): Promise<CodeLocation> {
  return (await loadCodeLocationDetailed(target, options)).location;
}

/** loadCodeLocation, plus whether it compiled and which file it imported (the cache hook for tests). */
export async function loadCodeLocationDetailed(
  target: string,
  options: LoadCodeLocationOptions = {},
): Promise<CodeLocationLoad> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const { file, path: locationPath } = resolveCodeLocationTarget(target, cwd);
  const compiled = COMPILED_EXTENSIONS.includes(path.extname(file))
    ? await compileWithCache(file, cacheDirFor(options, cwd), cwd)
    : undefined;
  const moduleFile = compiled?.outputFile ?? file;
  const namespace = await importLocationModule(moduleFile, {
    entry: file,
    cwd,
    ...(compiled ? { sourceFiles: compiled.sourceFiles } : {}),
  });
  const definitions = definitionsFromModule(namespace, displayPath(file, cwd), file);
  return {
    location: codeLocation(target, locationPath, definitions),
    compiled: compiled?.compiled ?? false,
    moduleFile,
  };
}

/** RUNYARD_CACHE_DIR, else `<os.tmpdir()>/runyard-cache`; compile-cache.ts checks that it is private. */
export function defaultCacheDir(): string {
  return process.env.RUNYARD_CACHE_DIR || path.join(os.tmpdir(), 'runyard-cache');
}

function cacheDirFor(options: LoadCodeLocationOptions, cwd: string): string {
  return path.resolve(cwd, options.cacheDir ?? defaultCacheDir());
}

async function importLocationModule(file: string, context: LoadErrorContext): Promise<Record<string, unknown>> {
  // Node keeps a module's source map only if maps were on when it loaded. With them on, stack
  // traces from a compiled location (including op failures at run time) show the .ts lines.
  if (context.sourceFiles && !process.sourceMapsEnabled) {
    await preloadRunyard(file);
    process.setSourceMapsEnabled(true);
  }
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    // Imported only now: it is needed when a location fails to load, and every run worker loads one.
    const { explainLoadError } = await import('./explain-load-error.js');
    throw await explainLoadError(error, context);
  }
}

/** This copy of Runyard's public entry, which a compiled location imports by this URL. */
const RUNYARD_INDEX = new URL('../index.js', import.meta.url).href;

/**
 * While source maps are on, Node reads and parses the .js.map of every module that loads, and
 * Runyard's public entry is ~150 modules, each with a map: profiled, that was the largest cost of
 * a step process after Node's own start (about a third of loading the location). A compiled
 * location that imports this copy of Runyard gets it loaded first, with maps off; it would load
 * it a moment later anyway (its imports run before its body), so the order of side effects does
 * not change. Frames inside Runyard then show its compiled lines; the location's show its .ts.
 */
async function preloadRunyard(compiledFile: string): Promise<void> {
  let code: string;
  try {
    code = await readFile(compiledFile, 'utf8');
  } catch {
    return; // The import that follows reports it.
  }
  if (code.includes(JSON.stringify(RUNYARD_INDEX))) await import(RUNYARD_INDEX);
}

function codeLocation(target: string, locationPath: string, definitions: Definitions): CodeLocation {
  return Object.freeze({
    target,
    path: locationPath,
    definitions,
    getJob(name: string): JobDefinition {
      const job = definitions.jobs.get(name);
      if (!job) throw new JobNotFoundError(name, [...definitions.jobs.keys()], target);
      return job;
    },
  });
}
