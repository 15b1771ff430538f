import type { ConfigIssue } from 'runyard';
import { z } from 'zod';
import {
  type ContainerSettings,
  containerSettingsShape,
  type DockerMount,
  OVERRIDABLE_KEYS,
  type OverridableKey,
  type ResolvedDockerRunLauncherConfig,
} from './docker-run-launcher-config.js';

/** The run tag whose JSON object overrides the instance's container settings for one run. */
export const DOCKER_RUN_TAG = 'runyard/docker';

export type DockerRunOverrides = Partial<z.output<z.ZodObject<typeof containerSettingsShape>>>;

const overridesSchema = z.strictObject(containerSettingsShape).partial();

export type OverridesOutcome =
  | { readonly ok: true; readonly overrides: DockerRunOverrides }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/**
 * Reads a run's `runyard/docker` tag against the instance's allow-list. Every problem is one issue
 * whose path names the tag and the key, so the submit error says exactly what to change.
 */
export function parseRunOverrides(
  tags: Readonly<Record<string, string>>,
  allowed: readonly OverridableKey[],
): OverridesOutcome {
  const text = tags[DOCKER_RUN_TAG];
  if (text === undefined) return { ok: true, overrides: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(
      DOCKER_RUN_TAG,
      `is not valid JSON (${(error as Error).message}); expected an object such as {"image":"…"}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail(DOCKER_RUN_TAG, `expected a JSON object of container settings, got ${describe(value)}`);

  const issues: ConfigIssue[] = [];
  const allowedList = allowed.length ? allowed.join(', ') : 'none';
  for (const key of Object.keys(value)) {
    const at = `${DOCKER_RUN_TAG}.${key}`;
    if (!(OVERRIDABLE_KEYS as readonly string[]).includes(key)) {
      issues.push({ path: at, message: `unknown key; a run may override only ${OVERRIDABLE_KEYS.join(', ')}` });
    } else if (!allowed.includes(key as OverridableKey)) {
      issues.push({
        path: at,
        message: `the instance does not allow runs to override '${key}' (the run launcher's allowRunOverrides: ${allowedList})`,
      });
    }
  }
  if (issues.length) return { ok: false, issues };

  const parsed = overridesSchema.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => ({
        path: [DOCKER_RUN_TAG, ...issue.path.map(String)].join('.'),
        message: issue.message,
      })),
    };
  }
  return { ok: true, overrides: parsed.data as DockerRunOverrides };
}

/**
 * Instance < run: scalars and the command are replaced; env and labels merge key by key; volumes
 * and mounts are added, a run's entry replacing the instance's for the same container path (Docker
 * refuses two mounts at one path).
 */
export function mergeRunOverrides(
  config: ResolvedDockerRunLauncherConfig,
  overrides: DockerRunOverrides,
): ContainerSettings {
  return {
    image: overrides.image ?? config.image,
    command: overrides.command ?? config.command,
    env: { ...config.env, ...overrides.env },
    passEnv: config.passEnv,
    network: overrides.network ?? config.network,
    volumes: mergeByTarget(config.volumes, overrides.volumes ?? [], bindTarget),
    mounts: mergeByTarget(config.mounts, overrides.mounts ?? [], (m: DockerMount) => m.target),
    cpus: overrides.cpus ?? config.cpus,
    memory: overrides.memory ?? config.memory,
    labels: { ...config.labels, ...overrides.labels },
    init: config.init,
  };
}

function mergeByTarget<T>(base: readonly T[], extra: readonly T[], target: (item: T) => string): T[] {
  const replaced = new Set(extra.map(target));
  return [...base.filter((item) => !replaced.has(target(item))), ...extra];
}

function bindTarget(bind: string): string {
  return bind.split(':')[1] ?? bind;
}

function fail(path: string, message: string): OverridesOutcome {
  return { ok: false, issues: [{ path, message }] };
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
