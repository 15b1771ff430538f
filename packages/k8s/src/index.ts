/**
 * Runyard's Kubernetes run launcher: every run's worker in a Job of its own.
 *
 *   # runyard.yaml (installing @runyard/k8s and @kubernetes/client-node@^1.4 is enough)
 *   runLauncher:
 *     class: K8sRunLauncher
 *     config: { image: my-jobs:1, namespace: runyard, envSecrets: [runyard-postgres], allowRunOverrides: [resources] }
 *
 * Each run becomes a Job named `runyard-run-<runId>` running `runyard worker execute-run <runId>`,
 * labelled with the run id, job and code location. A run's `runyard/k8s` tag (a JSON object) may
 * override the keys the instance allows. In code, `new K8sRunLauncher({ image }, undefined, { kube })`
 * takes an injected client; @kubernetes/client-node is a peer dependency, imported on first use.
 */

export {
  type ClusterAccess,
  type DeleteOptions,
  KUBE_API_PERMISSIONS,
  type KubeApi,
  type KubeEvent,
  type KubeJob,
  type KubeList,
  type KubePod,
  kubeMessage,
  kubeStatusCode,
} from './k8s-client.js';
export { loadKubeClient } from './k8s-client-node.js';
export { deepMerge, jobManifest } from './k8s-job-spec.js';
export {
  ANNOTATIONS as K8S_ANNOTATIONS,
  CONTAINER_NAME,
  jobName,
  LABELS as K8S_LABELS,
  labelValue,
  runSelector,
} from './k8s-names.js';
export { K8sRunInformer } from './k8s-run-informer.js';
export { K8sRunLauncher, type K8sRunLauncherOptions } from './k8s-run-launcher.js';
export {
  type K8sRunLauncherConfig,
  k8sRunLauncherConfigSchema,
  OVERRIDABLE_KEYS,
  type OverridableKey,
  type ResolvedK8sRunLauncherConfig,
} from './k8s-run-launcher-config.js';
export { K8S_RUN_TAG, type K8sRunOverrides, parseRunOverrides } from './k8s-run-overrides.js';
export { diagnose } from './k8s-worker-health.js';
export type { K8sWorkerRef } from './k8s-worker-ref.js';
