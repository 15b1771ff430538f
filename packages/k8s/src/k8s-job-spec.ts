import { MAX_RUNTIME_TAG, OUTSIDE_SIGTERM_ENV, type RunRecord } from 'runyard';
import { ANNOTATIONS, CONTAINER_NAME, jobName, LABELS, labelValue, MARKER_VALUE } from './k8s-names.js';
import type { PodSettings, ResolvedK8sRunLauncherConfig } from './k8s-run-launcher-config.js';

export interface JobSpecInput {
  readonly config: ResolvedK8sRunLauncherConfig;
  /** The pod-shaping settings after the run's overrides. */
  readonly settings: PodSettings;
  readonly run: RunRecord;
  /** 0 for the launch, N for the Nth resume. */
  readonly attempt: number;
  /** `worker execute-run <runId> [--resume]`. */
  readonly args: readonly string[];
  /** The worker's own environment (RUNYARD_INSTANCE); it wins over everything configured. */
  readonly workerEnv: Readonly<Record<string, string>>;
}

/**
 * Seconds added to a run's max runtime for the Job's activeDeadlineSeconds: run monitoring
 * terminates the run politely at its max runtime, and the deadline is the cluster's backstop for
 * when no daemon is there to do it.
 */
const DEADLINE_MARGIN_SECONDS = 60;

/** The `batch/v1` Job for one run worker. */
export function jobManifest(input: JobSpecInput): Record<string, unknown> {
  const { config, settings, run } = input;
  const name = jobName(config.jobNamePrefix, run.runId, input.attempt);
  const labels = {
    ...settings.labels,
    [LABELS.marker]: MARKER_VALUE,
    [LABELS.runId]: labelValue(run.runId),
    [LABELS.jobName]: labelValue(run.jobName),
    [LABELS.codeLocation]: labelValue(codeLocationName(run.origin.codeLocation)),
    [LABELS.attempt]: String(input.attempt),
  };
  const annotations = {
    ...settings.annotations,
    [ANNOTATIONS.runId]: run.runId,
    [ANNOTATIONS.jobName]: run.jobName,
    [ANNOTATIONS.codeLocation]: run.origin.codeLocation,
  };
  // A SIGTERM the cluster sends on its own (eviction, preemption, a drain) gives the run back to
  // monitoring, which resumes it, instead of cancelling it.
  const env = { ...settings.env, [OUTSIDE_SIGTERM_ENV]: 'release', ...input.workerEnv };
  const deadline = config.activeDeadlineSeconds ?? maxRuntimeDeadline(run, config.terminateGraceSeconds);

  const container = deepMerge(
    compact({
      name: CONTAINER_NAME,
      image: settings.image,
      imagePullPolicy: settings.imagePullPolicy,
      command: [...settings.command],
      args: [...input.args],
      env: Object.entries(env).map(([k, value]) => ({ name: k, value })),
      envFrom: [
        ...settings.envConfigMaps.map((n) => ({ configMapRef: { name: n } })),
        ...settings.envSecrets.map((n) => ({ secretRef: { name: n } })),
      ],
      volumeMounts: settings.volumeMounts,
      resources: settings.resources,
      securityContext: settings.securityContext,
    }),
    config.containerPatch,
  );
  const podSpec = deepMerge(
    compact({
      // Never: a failed worker is not restarted in place; Runyard's retries and resume decide.
      restartPolicy: 'Never',
      serviceAccountName: settings.serviceAccountName,
      imagePullSecrets: settings.imagePullSecrets.map((n) => ({ name: n })),
      nodeSelector: settings.nodeSelector,
      tolerations: settings.tolerations,
      affinity: settings.affinity,
      priorityClassName: settings.priorityClassName,
      schedulerName: settings.schedulerName,
      securityContext: settings.podSecurityContext,
      terminationGracePeriodSeconds: config.terminateGraceSeconds,
      volumes: settings.volumes,
      containers: [container],
    }),
    config.podSpecPatch,
  );
  const jobSpec = deepMerge(
    compact({
      backoffLimit: config.backoffLimit,
      ttlSecondsAfterFinished: config.ttlSecondsAfterFinished,
      activeDeadlineSeconds: deadline,
      // A disrupted pod (preempted, evicted, drained) fails the Job at once with reason
      // PodFailurePolicy rather than counting as the user's failure: Runyard reads the
      // DisruptionTarget condition, reports the run as preempted and resumes it in a new Job.
      podFailurePolicy: {
        rules: [{ action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }],
      },
      template: { metadata: { labels, annotations }, spec: podSpec },
    }),
    config.jobSpecPatch,
  );
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: config.namespace, labels, annotations },
    spec: jobSpec,
  };
}

/** The run's `runyard/max_runtime` (seconds) plus the grace and a margin, or undefined. */
function maxRuntimeDeadline(run: RunRecord, graceSeconds: number): number | undefined {
  const raw = run.tags[MAX_RUNTIME_TAG];
  const seconds = raw === undefined ? Number.NaN : Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  return Math.ceil(seconds) + graceSeconds + DEADLINE_MARGIN_SECONDS;
}

/** The code location's file name without extension: the part of its path people recognise. */
function codeLocationName(location: string): string {
  const base = location.split(/[\\/]/).pop() ?? location;
  return base.replace(/\.[cm]?[jt]s$/, '');
}

/** Drops undefined values, empty arrays and empty objects, so the manifest holds only what is set. */
function compact(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(object).filter(([, v]) => {
      if (v === undefined) return false;
      if (Array.isArray(v)) return v.length > 0;
      if (typeof v === 'object' && v !== null) return Object.keys(v).length > 0;
      return true;
    }),
  );
}

/** Objects merge key by key, recursively; anything else in the patch (arrays too) replaces. */
export function deepMerge(
  base: Record<string, unknown>,
  patch: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> {
  if (!patch) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
