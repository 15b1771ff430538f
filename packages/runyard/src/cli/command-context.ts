import { findInstanceHome, type InstanceHome } from '../instance/find-instance-home.js';
import { hasRecords } from '../instance/has-records.js';
import { Instance } from '../instance/instance.js';
import { findRun as findRunIn } from '../runs/find-run.js';
import type { RunRecord } from '../runs/run-record.js';
import { UsageError } from './cli-error.js';

export interface GlobalOptions {
  readonly home?: string;
}

const found = new WeakMap<GlobalOptions, InstanceHome>();

/** The instance this command uses and why (see findInstanceHome); found once per command. */
export function instanceHome(globals: GlobalOptions): InstanceHome {
  let home = found.get(globals);
  if (!home) {
    home = findInstanceHome(globals.home ? { flag: globals.home } : {});
    found.set(globals, home);
  }
  return home;
}

export function resolveHome(globals: GlobalOptions): string {
  return instanceHome(globals).home;
}

export async function openInstance(globals: GlobalOptions): Promise<Instance> {
  return Instance.open({ home: resolveHome(globals) });
}

/**
 * For commands that only read or change what is recorded (`run show`, `run terminate` …): when the
 * instance has recorded nothing yet, there is nothing to find, and opening it would create its
 * home and database for a command that is refused anyway.
 */
export async function withExistingInstance<T>(
  globals: GlobalOptions,
  nothingThere: (where: string) => string,
  fn: (instance: Instance) => Promise<T>,
): Promise<T> {
  const { home, reason } = instanceHome(globals);
  if (!(await hasRecords(home))) throw new UsageError(nothingThere(`the instance at ${home} (${reason})`));
  return withInstance(globals, fn);
}

/** Opens the instance, runs `fn`, and always disposes the instance. */
export async function withInstance<T>(globals: GlobalOptions, fn: (instance: Instance) => Promise<T>): Promise<T> {
  const instance = await openInstance(globals);
  try {
    return await fn(instance);
  } finally {
    await instance.dispose();
  }
}

/** The message for a run looked up in an instance that has recorded nothing. */
export const noRunIn = (idOrPrefix: string) => (where: string) =>
  `run '${idOrPrefix}' was not found: ${where} has recorded no runs yet`;

/** Finds a run by its id or a unique prefix of it. */
export function findRun(instance: Instance, idOrPrefix: string): Promise<RunRecord> {
  return findRunIn(instance.storage.runs, idOrPrefix);
}

/** `key=value` pairs from repeated `--tag` options. */
export function parseTags(pairs: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--tag ${JSON.stringify(pair)}: expected key=value`);
    tags[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return tags;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
