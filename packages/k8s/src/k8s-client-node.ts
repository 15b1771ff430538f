import {
  type ClusterAccess,
  type DeleteOptions,
  type KubeApi,
  type KubeEvent,
  type KubeJob,
  type KubeList,
  type KubePod,
  unlessGone,
  type WatchEventType,
} from './k8s-client.js';

/**
 * `KubeApi` on `@kubernetes/client-node` 1.x, imported on first use. 2.x needs Node ≥ 22.19, so
 * the peer range stays on 1.x while Runyard supports Node 20.
 */
export async function loadKubeClient(access: ClusterAccess): Promise<KubeApi> {
  let k8s: typeof import('@kubernetes/client-node');
  try {
    k8s = await import('@kubernetes/client-node');
  } catch (error) {
    throw new Error(
      "K8sRunLauncher needs the '@kubernetes/client-node' package (1.x) beside '@runyard/k8s' " +
        '(npm install @kubernetes/client-node@^1.4)',
      { cause: error },
    );
  }
  const kc = new k8s.KubeConfig();
  if (access.inCluster) kc.loadFromCluster();
  else if (access.kubeconfig?.file) kc.loadFromFile(access.kubeconfig.file);
  else kc.loadFromDefault();
  if (access.kubeconfig?.context) kc.setCurrentContext(access.kubeconfig.context);

  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const watcher = new k8s.Watch(kc);
  const del = (options: DeleteOptions) => ({
    ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
    ...(options.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: options.gracePeriodSeconds }),
  });

  return {
    createJob: async (namespace, body) =>
      (await batch.createNamespacedJob({ namespace, body: body as never })) as unknown as KubeJob,
    deleteJob: (namespace, name, options) =>
      unlessGone(() => batch.deleteNamespacedJob({ name, namespace, ...del(options) })),
    listJobs: async (namespace, labelSelector) =>
      (await batch.listNamespacedJob({ namespace, labelSelector })) as unknown as KubeList<KubeJob>,
    listPods: async (namespace, labelSelector) =>
      (await core.listNamespacedPod({ namespace, labelSelector })) as unknown as KubeList<KubePod>,
    deletePod: (namespace, name, options) =>
      unlessGone(() => core.deleteNamespacedPod({ name, namespace, ...del(options) })),
    readPodLog: (namespace, name, tailLines) => core.readNamespacedPodLog({ name, namespace, tailLines }),
    listEvents: async (namespace, fieldSelector) =>
      (await core.listNamespacedEvent({ namespace, fieldSelector })) as unknown as KubeList<KubeEvent>,
    watch: async (path, params, onEvent, done) => {
      const controller = await watcher.watch(
        path,
        { ...params, allowWatchBookmarks: true },
        (phase, object) => onEvent(phase as WatchEventType, object),
        done,
      );
      return { abort: () => controller.abort() };
    },
  };
}
