import type { ConfigIssue } from '../errors.js';
import { isPlainObject, joinPath } from './config-values.js';

/**
 * `{ env: NAME }` in a component's config reads an environment variable. References stay in the
 * loaded config as written and are resolved only when the component is created, so the config can
 * be written back out (to a run worker, to `instance info`) without putting secrets in it.
 */
export interface EnvRef {
  readonly env: string;
}

/**
 * An object whose only key is `env`, unless that key holds a map: `{ env: { FOO: bar } }` is a
 * component's own `env` setting (the process launcher's, say), not a reference. Whether a
 * reference's value is a usable name is `checkEnvRefs`' job.
 */
export function isEnvRef(value: unknown): value is { readonly env: unknown } {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === 'env' && !isPlainObject(value.env);
}

/** Problems visible without the environment: a reference whose name is not a non-empty string. */
export function checkEnvRefs(value: unknown, path: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  walk(value, path, (ref, at) => {
    if (typeof ref.env !== 'string' || ref.env === '') {
      issues.push({
        path: joinPath(at, 'env'),
        message: `expected the name of an environment variable, got ${JSON.stringify(ref.env)}`,
      });
    }
  });
  return issues;
}

export interface EnvResolution {
  /** A copy of the value with every reference replaced by its variable's value. */
  readonly value: unknown;
  /** One issue per variable that is not set, at the key path of its reference. */
  readonly issues: readonly ConfigIssue[];
  /** Whether the value held any reference, i.e. whether it depends on this process's environment. */
  readonly hasRefs: boolean;
}

/**
 * Replaces each reference with the variable's value (always a string: schemas that want a number
 * should coerce). A variable set to the empty string counts as set.
 */
export function resolveEnvRefs(
  value: unknown,
  path: string,
  env: Readonly<Record<string, string | undefined>>,
): EnvResolution {
  const issues: ConfigIssue[] = [];
  let hasRefs = false;
  const resolve = (item: unknown, at: string): unknown => {
    if (isEnvRef(item)) {
      hasRefs = true;
      const found = typeof item.env === 'string' ? env[item.env] : undefined;
      if (found === undefined)
        issues.push({ path: at, message: `environment variable ${String(item.env)} is not set` });
      return found;
    }
    if (Array.isArray(item)) return item.map((child, i) => resolve(child, joinPath(at, i)));
    if (isPlainObject(item)) {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(item)) out[key] = resolve(child, joinPath(at, key));
      return out;
    }
    return item;
  };
  const resolved = resolve(value, path);
  return { value: resolved, issues, hasRefs };
}

function walk(value: unknown, path: string, visit: (ref: { readonly env: unknown }, path: string) => void): void {
  if (isEnvRef(value)) {
    visit(value, path);
  } else if (Array.isArray(value)) {
    for (const [i, child] of value.entries()) walk(child, joinPath(path, i), visit);
  } else if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) walk(child, joinPath(path, key), visit);
  }
}
