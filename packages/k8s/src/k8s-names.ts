import { createHash } from 'node:crypto';

/**
 * Kubernetes' naming rules, applied to what Runyard puts in names and labels. A Job's name must be
 * a DNS-1123 label (≤ 63, [a-z0-9-], alphanumeric at both ends) because its pods' `job-name` label
 * carries it; label values are ≤ 63 characters of [A-Za-z0-9_.-], alphanumeric at both ends.
 */

export const MAX_NAME = 63;
export const MAX_LABEL_VALUE = 63;

/** Labels on every Job and pod the launcher creates; the informer and terminate select by them. */
export const LABELS = {
  /** Marks a Runyard run worker; its value says which kind of object it is. */
  marker: 'runyard.dev/worker',
  runId: 'runyard.dev/run-id',
  jobName: 'runyard.dev/job-name',
  codeLocation: 'runyard.dev/code-location',
  attempt: 'runyard.dev/attempt',
} as const;
export const MARKER_VALUE = 'run-worker';

/** Full values where a label had to be cut. */
export const ANNOTATIONS = {
  runId: 'runyard.dev/run-id',
  jobName: 'runyard.dev/job-name',
  codeLocation: 'runyard.dev/code-location',
} as const;

/** The container that runs the worker; diagnosis reads its state by this name. */
export const CONTAINER_NAME = 'run-worker';

/**
 * `<prefix><runId>` for the first attempt, `<prefix><runId>-<attempt>` for a resume: lowercased,
 * other characters made `-`, and, when too long, cut with a short hash of the whole kept so two
 * long run ids never share a name.
 */
export function jobName(prefix: string, runId: string, attempt = 0): string {
  const suffix = attempt > 0 ? `-${attempt}` : '';
  let base = trimDashes(`${prefix}${runId}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-'));
  if (base.length + suffix.length > MAX_NAME) {
    const hash = createHash('sha256').update(`${prefix}${runId}`).digest('hex').slice(0, 8);
    base = `${trimDashes(base.slice(0, MAX_NAME - suffix.length - hash.length - 1))}-${hash}`;
  }
  return `${base || 'run'}${suffix}`;
}

/**
 * A label value Kubernetes accepts: characters outside [A-Za-z0-9_.-] become `_`, cut to 63, and
 * trimmed to start and end with an alphanumeric. Empty stays empty (which is allowed).
 */
export function labelValue(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, MAX_LABEL_VALUE);
  return cleaned.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}

/** The label selector for everything of one run, or of every run when `runId` is omitted. */
export function runSelector(runId?: string): string {
  const marker = `${LABELS.marker}=${MARKER_VALUE}`;
  return runId === undefined ? marker : `${marker},${LABELS.runId}=${labelValue(runId)}`;
}

/**
 * Whether a Job or pod is the run's: its run-id label matches, and so does the full run id in its
 * annotation, since two long run ids may share a cut label value.
 */
export function belongsToRun(
  object: {
    readonly metadata?: {
      readonly labels?: Readonly<Record<string, string>>;
      readonly annotations?: Readonly<Record<string, string>>;
    };
  },
  runId: string,
): boolean {
  const meta = object.metadata;
  if (meta?.labels?.[LABELS.runId] !== labelValue(runId)) return false;
  const full = meta.annotations?.[ANNOTATIONS.runId];
  return full === undefined || full === runId;
}

function trimDashes(value: string): string {
  return value.replace(/^-+/, '').replace(/-+$/, '');
}
