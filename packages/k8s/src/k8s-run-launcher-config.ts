import { z } from 'zod';

/**
 * The launcher's config, as runyard.yaml and `new K8sRunLauncher({...})` both give it. The keys
 * that shape one pod (image, env, resources, scheduling …) may also come from a run's `runyard/k8s`
 * tag when `allowRunOverrides` lists them; the others decide where and how Jobs run at all
 * (cluster, namespace, service account, patches), so only the instance owner sets them.
 */

/** Keys a run may override, if the instance allows it. */
export const OVERRIDABLE_KEYS = [
  'image',
  'imagePullPolicy',
  'env',
  'envConfigMaps',
  'envSecrets',
  'volumes',
  'volumeMounts',
  'labels',
  'annotations',
  'resources',
  'nodeSelector',
  'tolerations',
  'affinity',
  'priorityClassName',
] as const;
export type OverridableKey = (typeof OVERRIDABLE_KEYS)[number];

/** DNS-1123 label: what Kubernetes requires of namespaces and of most object names. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsLabel = z
  .string()
  .max(63)
  .regex(DNS1123_LABEL, { message: 'must be a DNS-1123 label: lowercase letters, digits and -, at most 63' });

/** DNS-1123 subdomain: ConfigMap and Secret names. */
const dnsSubdomain = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, {
    message: 'must be a DNS-1123 subdomain: lowercase letters, digits, - and .',
  });

/** A Kubernetes object given as YAML/JSON (a Volume, a Toleration …): checked by the API server. */
const kubeObject = z.record(z.string(), z.unknown());
const quantity = z.union([z.string().min(1), z.number().nonnegative()]);
const resourceList = z.record(z.string().min(1), quantity);

const volumeMount = z.looseObject({
  name: dnsLabel,
  mountPath: z.string().startsWith('/', { message: 'must be an absolute path inside the container' }),
  readOnly: z.boolean().optional(),
  subPath: z.string().optional(),
});
const volume = z.looseObject({ name: dnsLabel });

/** The keys that shape one pod: the instance's defaults, or a run's overrides of them. */
export const podSettingsShape = {
  /** The image the run worker runs in; it must hold Node, Runyard and the code location. */
  image: z.string().min(1),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']),
  /** Environment values for the container, as given. */
  env: z.record(z.string().regex(/^[^=]+$/, { message: "names may not contain '='" }), z.string()),
  /** ConfigMaps whose every key becomes an environment variable (`envFrom`). */
  envConfigMaps: z.array(dnsSubdomain),
  /** Secrets whose every key becomes an environment variable (`envFrom`): credentials stay in the cluster. */
  envSecrets: z.array(dnsSubdomain),
  volumes: z.array(volume),
  volumeMounts: z.array(volumeMount),
  labels: z.record(z.string().min(1), z.string()),
  annotations: z.record(z.string().min(1), z.string()),
  resources: z.strictObject({ requests: resourceList.optional(), limits: resourceList.optional() }),
  nodeSelector: z.record(z.string().min(1), z.string()),
  tolerations: z.array(kubeObject),
  affinity: kubeObject,
  priorityClassName: z.string().min(1),
};

export const k8sRunLauncherConfigSchema = z.strictObject({
  image: podSettingsShape.image,
  imagePullPolicy: podSettingsShape.imagePullPolicy.optional(),
  imagePullSecrets: z.array(z.string().min(1)).default([]),
  /** What runs `runyard` in the image; `worker execute-run <runId>` is appended. */
  command: z.array(z.string().min(1)).min(1).default(['runyard']),
  namespace: dnsLabel.default('default'),
  serviceAccountName: z.string().min(1).optional(),
  env: podSettingsShape.env.default({}),
  envConfigMaps: podSettingsShape.envConfigMaps.default([]),
  envSecrets: podSettingsShape.envSecrets.default([]),
  volumes: podSettingsShape.volumes.default([]),
  volumeMounts: podSettingsShape.volumeMounts.default([]),
  labels: podSettingsShape.labels.default({}),
  annotations: podSettingsShape.annotations.default({}),
  resources: podSettingsShape.resources.optional(),
  nodeSelector: podSettingsShape.nodeSelector.default({}),
  tolerations: podSettingsShape.tolerations.default([]),
  affinity: podSettingsShape.affinity.optional(),
  priorityClassName: podSettingsShape.priorityClassName.optional(),
  schedulerName: z.string().min(1).optional(),
  /** The pod's securityContext (runAsUser, fsGroup …). */
  podSecurityContext: kubeObject.optional(),
  /** The worker container's securityContext. */
  securityContext: kubeObject.optional(),
  /** Seconds a finished Job (and its pod, with its logs) is kept before Kubernetes deletes it. */
  ttlSecondsAfterFinished: z.number().int().nonnegative().default(3600),
  /** Pod retries inside the Job: 0, because Runyard's own retries and resume decide that. */
  backoffLimit: z.number().int().nonnegative().default(0),
  /** A hard limit on the Job; without it, the run's `runyard/max_runtime` tag gives one. */
  activeDeadlineSeconds: z.number().int().positive().optional(),
  /** Job names are `<prefix><runId>`, cut to 63 characters. */
  jobNamePrefix: z
    .string()
    .max(40)
    .regex(/^[a-z0-9]([-a-z0-9]*)?$/, { message: 'must start with a lowercase letter or digit and hold [a-z0-9-]' })
    .default('runyard-run-'),
  /** Seconds a worker has to stop after SIGTERM before it is killed (the pod's grace period). */
  terminateGraceSeconds: z.number().int().nonnegative().default(10),
  /** How long a container may sit in CreateContainerConfigError (a missing Secret key …) before it counts as failed. */
  configErrorGraceSeconds: z.number().nonnegative().default(30),
  /** A kubeconfig file and context; without either, the default kubeconfig (or in-cluster config). */
  kubeconfig: z.strictObject({ file: z.string().min(1).optional(), context: z.string().min(1).optional() }).optional(),
  /** Use the pod's service account (Runyard itself running in the cluster). */
  inCluster: z.boolean().default(false),
  /** Raw patches, deep-merged last, for whatever has no key of its own. */
  jobSpecPatch: kubeObject.optional(),
  podSpecPatch: kubeObject.optional(),
  containerPatch: kubeObject.optional(),
  /** Keys a run may override through its `runyard/k8s` tag (a JSON object). Default: none. */
  allowRunOverrides: z.array(z.enum(OVERRIDABLE_KEYS)).default([]),
});

/** Config as written (defaults optional). */
export type K8sRunLauncherConfig = z.input<typeof k8sRunLauncherConfigSchema>;
/** Config with every default filled in. */
export type ResolvedK8sRunLauncherConfig = z.output<typeof k8sRunLauncherConfigSchema>;

/** The pod-shaping part of the config, after a run's overrides are merged in. */
export type PodSettings = Pick<
  ResolvedK8sRunLauncherConfig,
  | OverridableKey
  | 'imagePullSecrets'
  | 'command'
  | 'serviceAccountName'
  | 'schedulerName'
  | 'podSecurityContext'
  | 'securityContext'
>;
