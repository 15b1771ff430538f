import { type ConfigIssue, InvalidConfigError } from 'runyard';
import type { PostgresStorageConfig } from './postgres-storage-config.js';
import { postgresStorageConfigSchema } from './postgres-storage-config-schema.js';

/** `{ env: 'DATABASE_URL' }`: read from the environment when the storage opens, and kept as a reference in `toConfig()`. */
export interface EnvRef {
  readonly env: string;
}

type WithEnvRefs<T> = { readonly [K in keyof T]?: T[K] | EnvRef };

/**
 * What `PostgresStorage.open()` takes: the config of runyard.yaml, where each value may be a
 * `{ env: NAME }` reference as in the file. References keep secrets out of `toConfig()`, which is
 * what a run worker in another process or container receives.
 */
export type PostgresStorageOptions = WithEnvRefs<PostgresStorageConfig> & {
  /** Where references are looked up. Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
};

/** Resolves the references and validates the result, as core does for runyard.yaml. */
export function resolveOptions(options: PostgresStorageOptions): {
  readonly config: PostgresStorageConfig;
  readonly raw: Record<string, unknown>;
} {
  const { env = process.env, ...raw } = options;
  const issues: ConfigIssue[] = [];
  const resolve = (value: unknown, path: string): unknown => {
    if (isEnvRef(value)) {
      const found = env[value.env];
      if (found === undefined) issues.push({ path, message: `environment variable ${value.env} is not set` });
      return found;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[key] = resolve(item, path ? `${path}.${key}` : key);
    }
    return out;
  };
  const resolved = resolve(raw, '');
  const parsed = postgresStorageConfigSchema.safeParse(resolved);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push({ path: issue.path.join('.'), message: issue.message });
  }
  if (issues.length > 0 || !parsed.success) throw new InvalidConfigError('PostgresStorage options', issues);
  // A JSON copy: what toConfig() hands out must survive JSON and never share objects with the caller.
  return { config: parsed.data, raw: JSON.parse(JSON.stringify(raw)) as Record<string, unknown> };
}

function isEnvRef(value: unknown): value is EnvRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).length === 1 &&
    typeof (value as { env?: unknown }).env === 'string'
  );
}
