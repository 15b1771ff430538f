/**
 * TEST TOOL: the fake cluster's Job controller. Creates a Job's pod (or a Warning FailedCreate
 * event when its ServiceAccount does not exist), sets the Job's conditions from the pod (Complete;
 * Failed with BackoffLimitExceeded, PodFailurePolicy or DeadlineExceeded), deletes finished Jobs
 * after ttlSecondsAfterFinished, and deletes Jobs with Orphan, Background or Foreground propagation.
 */
import { randomBytes } from 'node:crypto';
import { recordEvent } from './fake-kube-events.js';
import type { FakeKubeStore, Obj } from './fake-kube-store.js';
import type { FakeKubelet } from './fake-kubelet.js';

export class FakeJobController {
  readonly #store: FakeKubeStore;
  readonly #kubelet: FakeKubelet;
  readonly #serviceAccounts: ReadonlySet<string>;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(store: FakeKubeStore, kubelet: FakeKubelet, serviceAccounts: ReadonlySet<string>) {
    this.#store = store;
    this.#kubelet = kubelet;
    this.#serviceAccounts = serviceAccounts;
    store.onChange((kind, type, object) => {
      if (kind === 'jobs' && type === 'ADDED') this.#jobAdded(object);
      if (kind === 'pods' && type === 'MODIFIED') this.#podChanged(object);
      if (kind === 'pods' && type === 'DELETED') this.#podDeleted(object);
    });
  }

  deleteJob(ns: string, name: string, policy: string, grace: number | undefined): void {
    const job = this.#store.get('jobs', ns, name);
    if (!job) return;
    const pods = this.#podsOf(job);
    if (policy === 'Foreground' && pods.length > 0) {
      // The Job stays, marked for deletion, until the garbage collector has removed its pods.
      this.#store.update('jobs', {
        ...job,
        metadata: { ...job.metadata, deletionTimestamp: new Date().toISOString(), finalizers: ['foregroundDeletion'] },
      });
    } else {
      this.#store.remove('jobs', ns, name);
    }
    if (policy !== 'Orphan') for (const pod of pods) void this.#kubelet.deletePod(ns, pod.metadata.name, grace);
  }

  stop(): void {
    for (const t of this.#timers) clearTimeout(t);
  }

  #jobAdded(job: Obj): void {
    const ns = job.metadata.namespace;
    const sa = job.spec.template.spec.serviceAccountName;
    if (sa && !this.#serviceAccounts.has(sa)) {
      recordEvent(
        this.#store,
        ns,
        { kind: 'Job', name: job.metadata.name },
        'Warning',
        'FailedCreate',
        `Error creating: pods "${job.metadata.name}-" is forbidden: error looking up service account ${ns}/${sa}: serviceaccount "${sa}" not found`,
      );
      return;
    }
    const deadline = job.spec.activeDeadlineSeconds;
    if (deadline) this.#later(deadline * 1000, () => this.#deadlineExceeded(ns, job.metadata.name));
    this.#createPod(job);
  }

  #createPod(job: Obj): void {
    const template = job.spec.template;
    const name = `${job.metadata.name}-${randomBytes(3).toString('hex').slice(0, 5)}`;
    const pod = this.#store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: job.metadata.namespace,
        labels: {
          ...template.metadata?.labels,
          'job-name': job.metadata.name,
          'batch.kubernetes.io/job-name': job.metadata.name,
          'controller-uid': job.metadata.uid,
        },
        annotations: template.metadata?.annotations ?? {},
        ownerReferences: [
          { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name, uid: job.metadata.uid, controller: true },
        ],
      },
      spec: template.spec,
      status: { phase: 'Pending' },
    });
    this.#setJob(job.metadata.namespace, job.metadata.name, (s) => {
      s.active = 1;
      s.startTime ??= new Date().toISOString();
    });
    void this.#kubelet.run(pod).catch((error) => {
      const ns = pod.metadata.namespace;
      const current = this.#store.get('pods', ns, name);
      if (current)
        this.#store.update('pods', {
          ...current,
          status: { ...current.status, phase: 'Failed', message: String(error) },
        });
    });
  }

  #podChanged(pod: Obj): void {
    const job = this.#ownerJob(pod);
    if (!job || job.metadata.deletionTimestamp || finished(job)) return;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded') {
      this.#finish(job, { succeeded: 1 }, [
        { type: 'SuccessCriteriaMet', status: 'True' },
        { type: 'Complete', status: 'True' },
      ]);
    } else if (phase === 'Failed') {
      const disrupted = pod.status?.conditions?.some((c: Obj) => c.type === 'DisruptionTarget' && c.status === 'True');
      const rules: Obj[] = job.spec.podFailurePolicy?.rules ?? [];
      const index = rules.findIndex(
        (r) => r.action === 'FailJob' && r.onPodConditions?.some((c: Obj) => c.type === 'DisruptionTarget'),
      );
      const failed = (job.status?.failed ?? 0) + 1;
      if (disrupted && index >= 0) {
        const message = `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition DisruptionTarget matching FailJob rule at index ${index}`;
        this.#finish(job, { failed }, failure('PodFailurePolicy', message));
      } else if (failed > (job.spec.backoffLimit ?? 6)) {
        this.#finish(job, { failed }, failure('BackoffLimitExceeded', 'Job has reached the specified backoff limit'));
      } else {
        this.#setJob(job.metadata.namespace, job.metadata.name, (s) => {
          s.failed = failed;
        });
        this.#createPod(job);
      }
    }
  }

  #podDeleted(pod: Obj): void {
    const job = this.#ownerJob(pod);
    if (job?.metadata.deletionTimestamp && this.#podsOf(job).length === 0)
      this.#store.remove('jobs', job.metadata.namespace, job.metadata.name);
  }

  #deadlineExceeded(ns: string, name: string): void {
    const job = this.#store.get('jobs', ns, name);
    if (!job || finished(job)) return;
    this.#finish(job, {}, failure('DeadlineExceeded', 'Job was active longer than specified deadline'));
    for (const pod of this.#podsOf(job)) void this.#kubelet.deletePod(ns, pod.metadata.name, undefined);
  }

  #finish(job: Obj, counts: Obj, conditions: Obj[]): void {
    const { namespace: ns, name } = job.metadata;
    this.#setJob(ns, name, (s) => {
      Object.assign(s, counts, { active: 0, completionTime: new Date().toISOString() });
      s.conditions = conditions.map((c) => ({ ...c, lastTransitionTime: new Date().toISOString() }));
    });
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (ttl !== undefined) this.#later(ttl * 1000, () => this.deleteJob(ns, name, 'Background', undefined));
  }

  #setJob(ns: string, name: string, mutate: (status: Obj) => void): void {
    const job = this.#store.get('jobs', ns, name);
    if (!job) return;
    const status = structuredClone(job.status ?? {});
    mutate(status);
    this.#store.update('jobs', { ...job, status });
  }

  #ownerJob(pod: Obj): Obj | undefined {
    const name = pod.metadata.labels?.['job-name'];
    return name ? this.#store.get('jobs', pod.metadata.namespace, name) : undefined;
  }

  #podsOf(job: Obj): Obj[] {
    return this.#store.list('pods', job.metadata.namespace, `job-name=${job.metadata.name}`);
  }

  #later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }
}

function finished(job: Obj): boolean {
  return (job.status?.conditions ?? []).some(
    (c: Obj) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

function failure(reason: string, message: string): Obj[] {
  return [
    { type: 'FailureTarget', status: 'True', reason, message },
    { type: 'Failed', status: 'True', reason, message },
  ];
}
