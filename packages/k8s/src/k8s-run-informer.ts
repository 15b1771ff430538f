import type { KubeApi, KubeJob, KubePod, WatchEventType } from './k8s-client.js';
import { kubeStatusCode } from './k8s-client.js';
import { belongsToRun, runSelector } from './k8s-names.js';

type Kind = 'jobs' | 'pods';
const PATHS: Record<Kind, (ns: string) => string> = {
  jobs: (ns) => `/apis/batch/v1/namespaces/${ns}/jobs`,
  pods: (ns) => `/api/v1/namespaces/${ns}/pods`,
};
/** Pause before watching again after a watch broke for a reason other than 410. */
const REWATCH_DELAY_MS = 250;

interface Reflector {
  readonly objects: Map<string, Record<string, unknown>>;
  resourceVersion: string;
  abort?: () => void;
  synced: boolean;
}

/**
 * One list + watch per kind (Jobs and Pods) over every object carrying Runyard's worker label in
 * the launcher's namespace, kept in memory so that health checks cost no API request: monitoring
 * 500 runs is two watches, not 500 requests per tick. A watch that ends is resumed from the last
 * resourceVersion seen; one that the server answers with 410 Gone (too old) is replaced by a new
 * list. `requests` counts API calls, for the bench and the tests.
 */
export class K8sRunInformer {
  readonly #api: KubeApi;
  readonly #namespace: string;
  readonly #reflectors: Record<Kind, Reflector> = {
    jobs: { objects: new Map(), resourceVersion: '', synced: false },
    pods: { objects: new Map(), resourceVersion: '', synced: false },
  };
  #started: Promise<void> | undefined;
  #stopped = false;
  #requests = 0;
  #relists = 0;
  /** Why the last list or watch broke, until a new one has started; undefined while watching. */
  #broken: unknown;

  constructor(api: KubeApi, namespace: string) {
    this.#api = api;
    this.#namespace = namespace;
  }

  /** Lists both kinds and starts watching; resolves once the first lists are in. Idempotent. */
  start(): Promise<void> {
    this.#started ??= Promise.all([this.#relist('jobs'), this.#relist('pods')]).then(() => undefined);
    this.#started.catch(() => {
      this.#started = undefined;
    });
    return this.#started;
  }

  /** Set while a watch is broken and not yet resumed: the cache may be behind the cluster. */
  get broken(): unknown {
    return this.#broken;
  }

  get requests(): number {
    return this.#requests;
  }

  /** How many times a kind was listed again (after 410 Gone), beyond the first list. */
  get relists(): number {
    return this.#relists;
  }

  jobsOfRun(runId: string): KubeJob[] {
    return this.#ofRun('jobs', runId) as KubeJob[];
  }

  podsOfRun(runId: string): KubePod[] {
    return this.#ofRun('pods', runId) as KubePod[];
  }

  stop(): void {
    this.#stopped = true;
    for (const r of Object.values(this.#reflectors)) r.abort?.();
  }

  #ofRun(kind: Kind, runId: string): Record<string, unknown>[] {
    return [...this.#reflectors[kind].objects.values()].filter((o) => belongsToRun(o, runId));
  }

  async #relist(kind: Kind): Promise<void> {
    const r = this.#reflectors[kind];
    this.#requests++;
    if (r.synced) this.#relists++;
    const list =
      kind === 'jobs'
        ? await this.#api.listJobs(this.#namespace, runSelector())
        : await this.#api.listPods(this.#namespace, runSelector());
    r.objects.clear();
    for (const item of list.items) {
      const name = (item.metadata as { name?: string } | undefined)?.name;
      if (name) r.objects.set(name, item as unknown as Record<string, unknown>);
    }
    r.resourceVersion = list.metadata?.resourceVersion ?? '';
    r.synced = true;
    await this.#watch(kind);
  }

  async #watch(kind: Kind): Promise<void> {
    const r = this.#reflectors[kind];
    if (this.#stopped) return;
    this.#requests++;
    let ended = false;
    const handle = await this.#api.watch(
      PATHS[kind](this.#namespace),
      { labelSelector: runSelector(), resourceVersion: r.resourceVersion },
      (type, object) => this.#apply(kind, type, object),
      (error) => {
        if (ended) return;
        ended = true;
        this.#restart(kind, error);
      },
    );
    r.abort = () => {
      ended = true;
      handle.abort();
    };
  }

  #apply(kind: Kind, type: WatchEventType, object: Record<string, unknown>): void {
    const r = this.#reflectors[kind];
    if (type === 'ERROR') {
      // A Status object: 410 means our resourceVersion is too old; the watch then ends and #restart relists.
      if ((object as { code?: number }).code === 410) r.resourceVersion = '';
      return;
    }
    const meta = object.metadata as { name?: string; resourceVersion?: string } | undefined;
    if (meta?.resourceVersion) r.resourceVersion = meta.resourceVersion;
    if (type === 'BOOKMARK' || !meta?.name) return;
    if (type === 'DELETED') r.objects.delete(meta.name);
    else r.objects.set(meta.name, object);
  }

  #restart(kind: Kind, error: unknown): void {
    if (this.#stopped) return;
    const r = this.#reflectors[kind];
    if (error) this.#broken = error;
    if (kubeStatusCode(error) === 410) r.resourceVersion = '';
    const again = () => {
      if (this.#stopped) return;
      const next = r.resourceVersion ? this.#watch(kind) : this.#relist(kind);
      next.then(
        () => {
          this.#broken = undefined;
        },
        (e) => {
          this.#broken = e;
          setTimeout(again, REWATCH_DELAY_MS).unref();
        },
      );
    };
    // A clean end (the server's watch timeout) resumes at once; a broken one after a pause.
    if (error) setTimeout(again, REWATCH_DELAY_MS).unref();
    else again();
  }
}
