import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CodeLocationError } from '../errors.js';
import { type CompileInput, compileTypeScript } from './compile-typescript.js';
import { contentHash, hashFile } from './content-hash.js';
import { extraImportConditions } from './package-resolution.js';

/**
 * Compiled code locations, cached by content, so that a run worker does not pay for a compile
 * (and for loading esbuild) on every launch.
 *
 * Layout of `<cacheDir>/code-locations/`:
 *   <hash of the entry path>.json   the manifest: every input file with its content hash, and
 *   <hash of all inputs>.mjs        the output it names.
 *
 * A load re-hashes the inputs listed in the manifest; when all match, it reuses the output. Both
 * kinds of file are written to a temporary name and renamed into place, so a loader in another
 * process sees a whole file or none. Outputs are named by their inputs, so two processes that
 * compile the same code at once write the same bytes to the same name, and a manifest that
 * changes under a reader still names an output that exists.
 */

/** Bump when the compile options or the manifest change, so that older entries are not reused. */
const CACHE_FORMAT = 1;
const OUTPUT_NAME = /^[0-9a-f]{32}\.mjs$/;

interface Manifest {
  readonly format: number;
  readonly entry: string;
  readonly output: string;
  readonly inputs: readonly CompileInput[];
}

export interface CompiledCodeLocation {
  /** The compiled ES module. */
  readonly outputFile: string;
  /** The source files bundled into it, absolute. */
  readonly sourceFiles: readonly string[];
  /** False when a cached output was reused. */
  readonly compiled: boolean;
}

/**
 * The compiled form of a TypeScript code location, from the cache when its inputs are unchanged.
 * @param cwd only for the paths in error messages
 */
export async function compileWithCache(entry: string, cacheDir: string, cwd: string): Promise<CompiledCodeLocation> {
  const dir = path.join(path.resolve(cacheDir), 'code-locations');
  await openPrivateDir(dir);
  // Conditions change what package imports resolve to, so they are part of the key.
  const key = contentHash(JSON.stringify([CACHE_FORMAT, entry, extraImportConditions()]));
  const manifestFile = path.join(dir, `${key.slice(0, 32)}.json`);

  const cached = await readManifest(manifestFile, entry);
  if (cached && (await isUpToDate(cached, dir))) return describe(dir, cached, false);

  const { code, inputs } = await compileTypeScript(entry, dir, cwd);
  const sorted = [...inputs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const output = `${contentHash(JSON.stringify([key, sorted])).slice(0, 32)}.mjs`;
  const manifest: Manifest = { format: CACHE_FORMAT, entry, output, inputs: sorted };
  const outputFile = path.join(dir, output);
  if (!(await exists(outputFile))) await writeFileAtomic(outputFile, code);
  await writeFileAtomic(manifestFile, `${JSON.stringify(manifest, null, 1)}\n`);
  return describe(dir, manifest, true);
}

function describe(dir: string, manifest: Manifest, compiled: boolean): CompiledCodeLocation {
  return {
    outputFile: path.join(dir, manifest.output),
    sourceFiles: manifest.inputs.filter((input) => input.role === 'source').map((input) => input.path),
    compiled,
  };
}

async function readManifest(file: string, entry: string): Promise<Manifest | undefined> {
  let manifest: Partial<Manifest>;
  try {
    manifest = JSON.parse(await readFile(file, 'utf8')) as Partial<Manifest>;
  } catch {
    return undefined;
  }
  const valid =
    manifest.format === CACHE_FORMAT &&
    manifest.entry === entry &&
    typeof manifest.output === 'string' &&
    OUTPUT_NAME.test(manifest.output) &&
    Array.isArray(manifest.inputs);
  return valid ? (manifest as Manifest) : undefined;
}

async function isUpToDate(manifest: Manifest, dir: string): Promise<boolean> {
  // Temp-file cleaners delete old files, so the output may be gone even if the manifest is not.
  if (!(await exists(path.join(dir, manifest.output)))) return false;
  const hashes = await Promise.all(manifest.inputs.map((input) => hashFile(input.path)));
  return manifest.inputs.every((input, i) => hashes[i] === input.hash);
}

/**
 * The default cache lives in the shared temp directory, and whoever can write to it can make every
 * run worker run their code. So the cache must be ours and closed to others, and its parent must
 * not let others swap it (ours, root's, or sticky like /tmp).
 */
async function openPrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const uid = process.getuid?.();
  if (uid === undefined) return; // Windows: permissions are ACLs, not modes.
  const [own, parent] = await Promise.all([stat(dir), stat(path.dirname(dir))]);
  const writableByOthers = (mode: number) => (mode & 0o022) !== 0;
  const safe =
    own.uid === uid &&
    !writableByOthers(own.mode) &&
    (parent.uid === uid || parent.uid === 0) &&
    (!writableByOthers(parent.mode) || (parent.mode & 0o1000) !== 0);
  if (!safe)
    throw new CodeLocationError(
      `the code location cache ${dir} is not private to this user (it must be owned by uid ${uid} and writable by no one else); set RUNYARD_CACHE_DIR to a directory of your own`,
    );
}

async function writeFileAtomic(file: string, data: string): Promise<void> {
  const temporary = `${file}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, data, { mode: 0o600 });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
