import { parseRunOverrideTag, type RunOverrideOutcome } from 'runyard';
import { z } from 'zod';
import {
  OVERRIDABLE_KEYS,
  type OverridableKey,
  type PodSettings,
  podSettingsShape,
  type ResolvedK8sRunLauncherConfig,
} from './k8s-run-launcher-config.js';

/**
 * The run tag whose JSON object overrides the instance's pod settings for one run. A job's tags
 * are merged under the run's before the launcher sees them, so the order is instance < job < run.
 */
export const K8S_RUN_TAG = 'runyard/k8s';

export type K8sRunOverrides = Partial<z.output<z.ZodObject<typeof podSettingsShape>>>;

const overridesSchema = z.strictObject(podSettingsShape).partial();

export type OverridesOutcome = RunOverrideOutcome<K8sRunOverrides>;

/** Reads a run's `runyard/k8s` tag against the instance's allow-list (see parseRunOverrideTag). */
export function parseRunOverrides(
  tags: Readonly<Record<string, string>>,
  allowed: readonly OverridableKey[],
): OverridesOutcome {
  return parseRunOverrideTag(tags, {
    tag: K8S_RUN_TAG,
    keys: OVERRIDABLE_KEYS,
    allowed,
    schema: overridesSchema,
    what: 'pod settings',
    example: '{"image":"…"}',
  });
}

/**
 * Instance < run: scalars and objects (resources, affinity) are replaced; env, labels, annotations
 * and nodeSelector merge key by key; lists are added to, a run's volume or mount replacing the
 * instance's of the same name or path (Kubernetes refuses duplicates).
 */
export function mergeRunOverrides(config: ResolvedK8sRunLauncherConfig, overrides: K8sRunOverrides): PodSettings {
  return {
    image: overrides.image ?? config.image,
    imagePullPolicy: overrides.imagePullPolicy ?? config.imagePullPolicy,
    imagePullSecrets: config.imagePullSecrets,
    command: config.command,
    serviceAccountName: config.serviceAccountName,
    schedulerName: config.schedulerName,
    podSecurityContext: config.podSecurityContext,
    securityContext: config.securityContext,
    env: { ...config.env, ...overrides.env },
    envConfigMaps: unique([...config.envConfigMaps, ...(overrides.envConfigMaps ?? [])]),
    envSecrets: unique([...config.envSecrets, ...(overrides.envSecrets ?? [])]),
    volumes: mergeBy(config.volumes, overrides.volumes ?? [], (v) => v.name),
    volumeMounts: mergeBy(config.volumeMounts, overrides.volumeMounts ?? [], (m) => m.mountPath),
    labels: { ...config.labels, ...overrides.labels },
    annotations: { ...config.annotations, ...overrides.annotations },
    resources: overrides.resources ?? config.resources,
    nodeSelector: { ...config.nodeSelector, ...overrides.nodeSelector },
    tolerations: [...config.tolerations, ...(overrides.tolerations ?? [])],
    affinity: overrides.affinity ?? config.affinity,
    priorityClassName: overrides.priorityClassName ?? config.priorityClassName,
  };
}

function mergeBy<T>(base: readonly T[], extra: readonly T[], key: (item: T) => string): T[] {
  const replaced = new Set(extra.map(key));
  return [...base.filter((item) => !replaced.has(key(item))), ...extra];
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
