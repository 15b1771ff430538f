import { lstatSync } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * What bin/runyard.js does before it loads the rest of the CLI. Every runyard process loads this
 * module, so it imports nothing of Runyard's own and nothing outside Node.
 */

/** The part of node:module this uses; @types/node for Node 20 does not declare it. */
export interface CompileCacheApi {
  enableCompileCache?: () => unknown;
  flushCompileCache?: () => void;
}

const nodeModule = module as unknown as CompileCacheApi;

/**
 * Turns on Node's compile cache (Node ≥ 22.1; Node 20 has no such API and this does nothing), so
 * that later processes (every run worker) reuse V8's compiled code for Runyard, zod, and the code
 * location instead of parsing and compiling it again. Node picks the directory: NODE_COMPILE_CACHE,
 * else `<os.tmpdir()>/node-compile-cache`, with a subdirectory per Node version and user id.
 *
 * Node trusts whatever it finds in an existing directory, and what is there is code it will run.
 * In a temp directory shared between users, someone else could create it first; then it is left
 * off. A directory named by NODE_COMPILE_CACHE is the user's own choice and is used as it is.
 */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env, node: CompileCacheApi = nodeModule): void {
  if (!node.enableCompileCache) return;
  if (!env.NODE_COMPILE_CACHE && !isOwnDirectory(path.join(tmpdir(), 'node-compile-cache'))) return;
  node.enableCompileCache();
}

/** Missing (Node creates it, as ours), or ours and not writable by others. */
export function isOwnDirectory(dir: string, uid: number | undefined = process.getuid?.()): boolean {
  if (uid === undefined) return true; // Windows: the temp directory is the user's own.
  try {
    const stat = lstatSync(dir);
    return stat.isDirectory() && stat.uid === uid && (stat.mode & 0o002) === 0;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * Exits, first writing out what the compile cache gathered. Node writes it from an at-exit hook;
 * flushing here makes sure that process.exit(), which every CLI command ends with, never skips it.
 * Nothing is written when every module came from the cache.
 */
export function exitProcess(code: number): never {
  try {
    nodeModule.flushCompileCache?.();
  } catch {
    // The cache is an optimisation; failing to write it must not change how the command ends.
  }
  process.exit(code);
}

/** `runyard worker execute-run <runId> [--resume]`, with `--home <dir>` first or not. */
export interface WorkerCommandLine {
  readonly runId: string;
  readonly resume: boolean;
  readonly home?: string;
}

/**
 * Recognises the command line every launcher gives a run worker, so that bin/runyard.js can run it
 * without commander. Anything else, `--help` included, gives undefined, and commander parses it
 * (and explains any mistake) as for every other command.
 */
export function parseWorkerCommandLine(args: readonly string[]): WorkerCommandLine | undefined {
  let rest = args;
  let home: string | undefined;
  if (rest[0] === '--home') {
    home = rest[1];
    rest = rest.slice(2);
  } else if (rest[0]?.startsWith('--home=')) {
    home = rest[0].slice('--home='.length);
    rest = rest.slice(1);
  }
  if (home !== undefined && (home === '' || home.startsWith('-'))) return undefined;
  const [group, command, runId, ...options] = rest;
  if (group !== 'worker' || command !== 'execute-run' || !runId || runId.startsWith('-')) return undefined;
  if (options.length > 1 || (options.length === 1 && options[0] !== '--resume')) return undefined;
  return { runId, resume: options.length === 1, ...(home === undefined ? {} : { home }) };
}
