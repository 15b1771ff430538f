/**
 * Step outputs as JSON files, one per output, so that step processes and later runs (resume,
 * retry from failure) can read what a step produced:
 *
 *   const io = new FileSystemIOManager('/srv/runyard/outputs');
 *   await io.storeOutput({ runId, stepKey: 'extract' }, { rows: 3 });  // <baseDir>/<runId>/extract.json
 *   await io.loadOutput({ runId, stepKey: 'extract' });                 // { rows: 3 }
 *
 * A value that JSON cannot carry faithfully (a function, a BigInt, a cycle, a Date or any other
 * class instance, NaN …) is refused when it is stored, so the step that produced it fails with a
 * message that says where in the value the problem is, rather than a later step receiving
 * something else than was returned.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RunyardError } from '../errors.js';
import type { IOManager, IOManagerChildConfig, OutputKey } from './io-manager.js';

/** Bump if the file layout changes; older files are then refused with a clear message. */
const FILE_FORMAT = 1;

/** Where `FileSystemIOManager.forHome(home)` keeps outputs, relative to the instance home. */
export const OUTPUTS_DIR = 'outputs';

/** A step's output was asked for but never stored (or was deleted) under that run and step. */
export class OutputNotFoundError extends RunyardError {
  constructor(key: OutputKey, file: string) {
    super(`no stored output for step '${key.stepKey}' of run ${key.runId} (looked for ${file})`, {
      data: { runId: key.runId, stepKey: key.stepKey, file },
    });
  }
}

/** A step returned a value the file-system IO manager cannot write as JSON (a function, a cycle, …). */
export class OutputNotSerializableError extends RunyardError {
  constructor(key: OutputKey, problem: string, at: string) {
    super(
      `the output of step '${key.stepKey}' cannot be stored as JSON: ${problem} at ${at}; outputs must be plain objects, arrays, strings, finite numbers, booleans, null or undefined`,
      { data: { runId: key.runId, stepKey: key.stepKey, path: at } },
    );
  }
}

/**
 * The default IO manager: each step's output as a JSON file under `<dir>/<runId>/<stepKey>.json`
 * (`<home>/outputs` for an instance), so a resumed run, a retry or a step process reads it back.
 */
export class FileSystemIOManager implements IOManager {
  readonly baseDir: string;
  /** A directory on this machine, unless it is a share every worker mounts (the queue executor asks). */
  readonly locality = 'machine' as const;

  constructor(baseDir: string) {
    if (typeof baseDir !== 'string' || baseDir === '')
      throw new RunyardError(`FileSystemIOManager needs a directory, got ${JSON.stringify(baseDir)}`);
    this.baseDir = path.resolve(baseDir);
  }

  /** Outputs under `<home>/outputs`, the default for runs of an instance. */
  static forHome(home: string): FileSystemIOManager {
    return new FileSystemIOManager(path.join(home, OUTPUTS_DIR));
  }

  /** The inverse of `toChildConfig()`. */
  static fromChildConfig(config: unknown): FileSystemIOManager {
    const baseDir = (config as { baseDir?: unknown } | null)?.baseDir;
    if (typeof baseDir !== 'string' || !path.isAbsolute(baseDir))
      throw new RunyardError(
        `FileSystemIOManager config: expected { baseDir: <absolute path> }, got ${JSON.stringify(config)}`,
      );
    return new FileSystemIOManager(baseDir);
  }

  toChildConfig(): IOManagerChildConfig {
    return { class: 'FileSystemIOManager', config: { baseDir: this.baseDir } };
  }

  /** The file that holds (or would hold) an output. */
  fileFor(key: OutputKey): string {
    return path.join(this.baseDir, safeSegment(key.runId, 'run id'), `${safeSegment(key.stepKey, 'step key')}.json`);
  }

  async storeOutput(key: OutputKey, value: unknown): Promise<void> {
    const file = this.fileFor(key);
    const text = encodeOutput(key, value);
    await mkdir(path.dirname(file), { recursive: true });
    // Write then rename: a reader in another process sees the whole file or none.
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temp, text);
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  async loadOutput(key: OutputKey): Promise<unknown> {
    const file = this.fileFor(key);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new OutputNotFoundError(key, file);
      throw error;
    }
    return decodeOutput(key, file, text);
  }

  async hasOutput(key: OutputKey): Promise<boolean> {
    try {
      await access(this.fileFor(key));
      return true;
    } catch {
      return false;
    }
  }

  /** Deletes every output of a run. */
  async removeRun(runId: string): Promise<void> {
    await rm(path.join(this.baseDir, safeSegment(runId, 'run id')), { recursive: true, force: true });
  }
}

/** `{ format, value }`; an `undefined` output has no `value` key (JSON has no undefined). */
function encodeOutput(key: OutputKey, value: unknown): string {
  if (value === undefined) return JSON.stringify({ format: FILE_FORMAT, undefined: true });
  const problem = findNonJson(value, '$', []);
  if (problem) throw new OutputNotSerializableError(key, problem.problem, problem.at);
  return `{"format":${FILE_FORMAT},"value":${JSON.stringify(value)}}`;
}

function decodeOutput(key: OutputKey, file: string, text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RunyardError(
      `the stored output of step '${key.stepKey}' of run ${key.runId} is not valid JSON: ${file}`,
      {
        cause: error,
        data: { runId: key.runId, stepKey: key.stepKey, file },
      },
    );
  }
  const envelope = parsed as { format?: unknown; value?: unknown; undefined?: unknown } | null;
  if (envelope?.format !== FILE_FORMAT)
    throw new RunyardError(
      `the stored output of step '${key.stepKey}' of run ${key.runId} has an unknown format (expected ${FILE_FORMAT}): ${file}`,
      { data: { runId: key.runId, stepKey: key.stepKey, file } },
    );
  return envelope.undefined === true ? undefined : envelope.value;
}

/**
 * The first place where JSON.stringify would drop, change or choke on part of the value.
 * `undefined` object properties are allowed: JSON drops them, and reading gives undefined anyway.
 */
function findNonJson(value: unknown, at: string, ancestors: object[]): { problem: string; at: string } | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : { problem: `${value} (JSON would write null)`, at };
    case 'bigint':
      return { problem: 'a BigInt (convert it to a string or a number)', at };
    case 'function':
      return { problem: 'a function', at };
    case 'symbol':
      return { problem: 'a symbol', at };
    case 'undefined':
      return { problem: 'undefined (JSON would write null)', at };
  }
  if (value === null) return undefined;
  const object = value as object;
  if (ancestors.includes(object)) return { problem: 'a circular reference', at };
  ancestors.push(object);
  try {
    if (Array.isArray(object)) {
      for (let i = 0; i < object.length; i++) {
        if (!(i in object)) return { problem: 'an empty array slot (JSON would write null)', at: `${at}[${i}]` };
        const found = findNonJson(object[i], `${at}[${i}]`, ancestors);
        if (found) return found;
      }
      return undefined;
    }
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) return { problem: describeInstance(object), at };
    for (const [name, item] of Object.entries(object)) {
      if (item === undefined) continue;
      const found = findNonJson(item, `${at}${propertyPath(name)}`, ancestors);
      if (found) return found;
    }
    return undefined;
  } finally {
    ancestors.pop();
  }
}

function describeInstance(object: object): string {
  if (object instanceof Date) return 'a Date (store date.toISOString() instead)';
  if (object instanceof Map) return 'a Map (store Object.fromEntries(map) or [...map] instead)';
  if (object instanceof Set) return 'a Set (store [...set] instead)';
  if (object instanceof Error) return 'an Error';
  const name = (object as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name
    ? `an instance of ${name} (it would come back as a plain object, without its class)`
    : 'an object with a custom prototype';
}

function propertyPath(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/** A run id or step key becomes a path segment: refuse anything that could leave the directory. */
function safeSegment(value: string, what: string): string {
  if (typeof value !== 'string' || value === '' || value === '.' || value === '..' || /[/\\\0]/.test(value))
    throw new RunyardError(`cannot use ${JSON.stringify(value)} as a ${what} in a file name`);
  return value;
}
