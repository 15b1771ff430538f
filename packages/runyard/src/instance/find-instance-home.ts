import { statSync } from 'node:fs';
import path from 'node:path';

/*
 * Which instance a command uses, found the way git finds `.git`: a run launched from a project's
 * subfolder lands in the project's instance, and the UI started from the project's root shows it.
 * Defaulting to `./.runyard` of whatever directory the shell is in put runs where no UI looked.
 */

export interface InstanceHome {
  /** Absolute. */
  readonly home: string;
  /** Why this one, for `instance info` and `dev`: "--home", "RUNYARD_HOME", "runyard.yaml found in …" … */
  readonly reason: string;
  /** How it was picked. */
  readonly source: 'flag' | 'env' | 'config-file' | 'home-dir' | 'default';
}

export interface FindInstanceHomeOptions {
  /** `--home`, when given. */
  readonly flag?: string;
  /** Default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default process.cwd(). */
  readonly cwd?: string;
}

/**
 * `--home`, else RUNYARD_HOME, else the nearest directory holding `runyard.yaml` (that directory is
 * the home) or a `.runyard` directory (which is the home), walking up from `cwd`; else `./.runyard`.
 * In one directory `runyard.yaml` wins: a project's config may keep its database under `.runyard/`.
 */
export function findInstanceHome(options: FindInstanceHomeOptions = {}): InstanceHome {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  if (options.flag) return { home: path.resolve(cwd, options.flag), reason: 'given by --home', source: 'flag' };
  const fromEnv = (options.env ?? process.env).RUNYARD_HOME;
  if (fromEnv) return { home: path.resolve(cwd, fromEnv), reason: 'set by RUNYARD_HOME', source: 'env' };
  for (let dir = cwd; ; ) {
    if (isFile(path.join(dir, 'runyard.yaml')))
      return { home: dir, reason: `nearest runyard.yaml, found from ${cwd}`, source: 'config-file' };
    if (isDirectory(path.join(dir, '.runyard')))
      return {
        home: path.join(dir, '.runyard'),
        reason: `nearest .runyard directory, found from ${cwd}`,
        source: 'home-dir',
      };
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return {
    home: path.join(cwd, '.runyard'),
    reason: 'no RUNYARD_HOME, runyard.yaml or .runyard found here or above: ./.runyard',
    source: 'default',
  };
}

function isFile(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

function isDirectory(dir: string): boolean {
  return statSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
