import { parseRunOverrideTag, type RunOverrideOutcome } from 'runyard';
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

export type OverridesOutcome = RunOverrideOutcome<DockerRunOverrides>;

/** Reads a run's `runyard/docker` tag against the instance's allow-list (see parseRunOverrideTag). */
export function parseRunOverrides(
  tags: Readonly<Record<string, string>>,
  allowed: readonly OverridableKey[],
): OverridesOutcome {
  return parseRunOverrideTag(tags, {
    tag: DOCKER_RUN_TAG,
    keys: OVERRIDABLE_KEYS,
    allowed,
    schema: overridesSchema,
    what: 'container settings',
    example: '{"image":"…"}',
  });
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
