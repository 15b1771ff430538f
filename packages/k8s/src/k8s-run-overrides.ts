import type { ConfigIssue } from 'runyard';
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

export type OverridesOutcome =
  | { readonly ok: true; readonly overrides: K8sRunOverrides }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/**
 * Reads a run's `runyard/k8s` tag against the instance's allow-list. Every problem is one issue
 * whose path names the tag and the key, so the submit error says exactly what to change.
 */
export function parseRunOverrides(
  tags: Readonly<Record<string, string>>,
  allowed: readonly OverridableKey[],
): OverridesOutcome {
  const text = tags[K8S_RUN_TAG];
  if (text === undefined) return { ok: true, overrides: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(
      K8S_RUN_TAG,
      `is not valid JSON (${(error as Error).message}); expected an object such as {"image":"…"}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail(K8S_RUN_TAG, `expected a JSON object of pod settings, got ${describe(value)}`);

  const issues: ConfigIssue[] = [];
  const allowedList = allowed.length ? allowed.join(', ') : 'none';
  for (const key of Object.keys(value)) {
    const at = `${K8S_RUN_TAG}.${key}`;
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
        path: [K8S_RUN_TAG, ...issue.path.map(String)].join('.'),
        message: issue.message,
      })),
    };
  }
  return { ok: true, overrides: parsed.data as K8sRunOverrides };
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

function fail(path: string, message: string): OverridesOutcome {
  return { ok: false, issues: [{ path, message }] };
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
