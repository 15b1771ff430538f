import path from 'node:path';
import { Instance } from '../instance/instance.js';
import { findRun as findRunIn } from '../runs/find-run.js';
import type { RunRecord } from '../runs/run-record.js';
import { UsageError } from './cli-error.js';

export interface GlobalOptions {
  readonly home?: string;
}

export function resolveHome(globals: GlobalOptions): string {
  return path.resolve(globals.home ?? process.env.RUNYARD_HOME ?? '.runyard');
}

export async function openInstance(globals: GlobalOptions): Promise<Instance> {
  return Instance.open({ home: resolveHome(globals) });
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
