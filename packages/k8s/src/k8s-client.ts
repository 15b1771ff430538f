/**
 * The few Kubernetes API calls the launcher makes, typed here so that `@kubernetes/client-node`
 * stays a lazily loaded peer dependency: importing `@runyard/k8s` loads no client until a launcher
 * first talks to the cluster, and tests or applications can hand in any object of this shape.
 * The object types hold only the fields the launcher reads.
 */

export interface KubeObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly creationTimestamp?: string | Date;
  readonly deletionTimestamp?: string | Date;
}

export interface KubeCondition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

export interface KubeJob {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: KubeObjectMeta;
  readonly spec?: Record<string, unknown>;
  readonly status?: {
    readonly active?: number;
    readonly succeeded?: number;
    readonly failed?: number;
    readonly conditions?: readonly KubeCondition[];
  };
}

export interface KubeContainerState {
  readonly waiting?: { readonly reason?: string; readonly message?: string };
  readonly running?: { readonly startedAt?: string | Date };
  readonly terminated?: {
    readonly exitCode: number;
    readonly signal?: number;
    readonly reason?: string;
    readonly message?: string;
  };
}

export interface KubeContainerStatus {
  readonly name: string;
  readonly state?: KubeContainerState;
  readonly lastState?: KubeContainerState;
}

export interface KubePod {
  readonly metadata?: KubeObjectMeta;
  readonly spec?: Record<string, unknown>;
  readonly status?: {
    readonly phase?: string;
    readonly reason?: string;
    readonly message?: string;
    readonly conditions?: readonly KubeCondition[];
    readonly containerStatuses?: readonly KubeContainerStatus[];
  };
}

export interface KubeEvent {
  readonly metadata?: KubeObjectMeta;
  readonly type?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly involvedObject?: { readonly kind?: string; readonly name?: string };
}

export interface KubeList<T> {
  readonly metadata?: { readonly resourceVersion?: string };
  readonly items: readonly T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface DeleteOptions {
  readonly propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  readonly gracePeriodSeconds?: number;
}

export interface KubeApi {
  createJob(namespace: string, job: Record<string, unknown>): Promise<KubeJob>;
  /** False when the Job was already gone (404). */
  deleteJob(namespace: string, name: string, options: DeleteOptions): Promise<boolean>;
  listJobs(namespace: string, labelSelector: string): Promise<KubeList<KubeJob>>;
  listPods(namespace: string, labelSelector: string): Promise<KubeList<KubePod>>;
  /** False when the pod was already gone (404). */
  deletePod(namespace: string, name: string, options: DeleteOptions): Promise<boolean>;
  readPodLog(namespace: string, name: string, tailLines: number): Promise<string>;
  listEvents(namespace: string, fieldSelector: string): Promise<KubeList<KubeEvent>>;
  /**
   * Watches `path` (e.g. `/apis/batch/v1/namespaces/ns/jobs`) from `resourceVersion`. `done` is
   * called once when the watch ends, with the error if it broke (`code` 410 when too old).
   */
  watch(
    path: string,
    params: { readonly labelSelector: string; readonly resourceVersion: string },
    onEvent: (type: WatchEventType, object: Record<string, unknown>) => void,
    done: (error: unknown) => void,
  ): Promise<{ abort(): void }>;
}

export interface ClusterAccess {
  readonly kubeconfig?: { readonly file?: string; readonly context?: string };
  readonly inCluster: boolean;
}

/** The API server's HTTP status on a failed call, from client-node's ApiException or a watch error. */
export function kubeStatusCode(error: unknown): number | undefined {
  const e = error as { code?: unknown; statusCode?: unknown } | null;
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return undefined;
}

/** The `message` of the server's Status body when there is one, else the error's own message. */
export function kubeMessage(error: unknown): string {
  const body = (error as { body?: unknown } | null)?.body;
  let status: unknown = body;
  if (typeof body === 'string') {
    try {
      status = JSON.parse(body);
    } catch {
      status = undefined;
    }
  }
  const message = (status as { message?: unknown } | undefined)?.message;
  if (typeof message === 'string') return message;
  return error instanceof Error ? error.message : String(error);
}

/** Calls `fn`, answering false instead of throwing when the object was already gone. */
export async function unlessGone(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (error) {
    if (kubeStatusCode(error) === 404) return false;
    throw error;
  }
}

/**
 * The RBAC permission each KubeApi call needs: deploy/kubernetes/rbac.yaml grants exactly these,
 * and a test holds the two together.
 */
export const KUBE_API_PERMISSIONS: Readonly<
  Record<keyof KubeApi, readonly { readonly group: string; readonly resource: string; readonly verb: string }[]>
> = {
  createJob: [{ group: 'batch', resource: 'jobs', verb: 'create' }],
  deleteJob: [{ group: 'batch', resource: 'jobs', verb: 'delete' }],
  listJobs: [{ group: 'batch', resource: 'jobs', verb: 'list' }],
  listPods: [{ group: '', resource: 'pods', verb: 'list' }],
  deletePod: [{ group: '', resource: 'pods', verb: 'delete' }],
  readPodLog: [{ group: '', resource: 'pods/log', verb: 'get' }],
  listEvents: [{ group: '', resource: 'events', verb: 'list' }],
  watch: [
    { group: 'batch', resource: 'jobs', verb: 'watch' },
    { group: '', resource: 'pods', verb: 'watch' },
  ],
};
