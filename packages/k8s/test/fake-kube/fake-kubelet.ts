/**
 * TEST TOOL: the fake cluster's one node. Runs each pod's container on a real Docker engine
 * (image, command, args, env, hostPath mounts, memory and CPU limits) and writes what Docker says
 * back into the pod's status as a kubelet would: Running, then Succeeded or Failed with the exit
 * code, OOMKilled from Docker's state; ErrImagePull then ImagePullBackOff for an image the engine
 * lacks; Pending/Unschedulable for requests above the node's size; CreateContainerConfigError for
 * a Secret or ConfigMap that does not exist; graceful deletion (SIGTERM, grace, SIGKILL) and eviction.
 */
import type Docker from 'dockerode';
import { demuxDockerLogs } from '../../../docker/src/docker-client.js';
import { recordEvent } from './fake-kube-events.js';
import type { FakeKubeStore, Obj } from './fake-kube-store.js';

export interface NodeSize {
  /** Bytes of memory the node offers to pods. */
  readonly memory: number;
  readonly cpu: number;
}

export interface KubeletOptions {
  readonly node: NodeSize;
  /** Secrets and ConfigMaps that exist, by name, with their keys: what envFrom may reference. */
  readonly secrets: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly configMaps: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

const CONTAINER_LABEL = 'fake-kube.pod';

export class FakeKubelet {
  readonly #store: FakeKubeStore;
  readonly #docker: Docker;
  readonly #options: KubeletOptions;
  /** Container id of each pod that got one, by `ns/name`. */
  readonly #containers = new Map<string, string>();
  readonly #killTimers = new Set<NodeJS.Timeout>();

  constructor(store: FakeKubeStore, docker: Docker, options: KubeletOptions) {
    this.#store = store;
    this.#docker = docker;
    this.#options = options;
  }

  /** Runs a newly created pod to its end; errors become the pod's status, never a throw. */
  async run(pod: Obj): Promise<void> {
    const { namespace: ns, name } = pod.metadata;
    const container = pod.spec.containers[0];
    const requests = { ...container.resources?.limits, ...container.resources?.requests };
    const memory = requests.memory === undefined ? 0 : parseQuantity(String(requests.memory));
    const cpu = requests.cpu === undefined ? 0 : parseQuantity(String(requests.cpu));
    if (memory > this.#options.node.memory || cpu > this.#options.node.cpu) {
      const short = memory > this.#options.node.memory ? 'memory' : 'cpu';
      const message = `0/1 nodes are available: 1 Insufficient ${short}. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.`;
      this.#status(ns, name, (s) => {
        s.conditions = [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }];
      });
      recordEvent(this.#store, ns, { kind: 'Pod', name }, 'Warning', 'FailedScheduling', message);
      return;
    }
    this.#store.update('pods', { ...this.#store.get('pods', ns, name), spec: { ...pod.spec, nodeName: 'fake-node' } });
    this.#status(ns, name, (s) => {
      s.conditions = [{ type: 'PodScheduled', status: 'True' }];
      s.containerStatuses = [
        { name: container.name, image: container.image, state: { waiting: { reason: 'ContainerCreating' } } },
      ];
    });
    if (!(await this.#hasImage(container.image))) {
      const message = `Failed to pull image "${container.image}": rpc error: code = NotFound desc = failed to pull and unpack image: not found`;
      this.#waiting(ns, name, container, 'ErrImagePull', message);
      recordEvent(this.#store, ns, { kind: 'Pod', name }, 'Warning', 'Failed', message);
      setTimeout(() => {
        if (!this.#store.get('pods', ns, name)) return;
        const backoff = `Back-off pulling image "${container.image}"`;
        this.#waiting(ns, name, container, 'ImagePullBackOff', backoff);
        recordEvent(this.#store, ns, { kind: 'Pod', name }, 'Warning', 'BackOff', backoff);
      }, 500).unref();
      return;
    }
    const env: string[] = [];
    for (const from of container.envFrom ?? []) {
      const ref = from.secretRef ?? from.configMapRef;
      const source = from.secretRef ? this.#options.secrets : this.#options.configMaps;
      const values = source[ref.name];
      if (!values) {
        const message = `${from.secretRef ? 'secret' : 'configmap'} "${ref.name}" not found`;
        this.#waiting(ns, name, container, 'CreateContainerConfigError', message);
        recordEvent(this.#store, ns, { kind: 'Pod', name }, 'Warning', 'Failed', `Error: ${message}`);
        return;
      }
      for (const [k, v] of Object.entries(values)) env.push(`${k}=${v}`);
    }
    for (const e of container.env ?? []) env.push(`${e.name}=${e.value ?? ''}`);
    if (!this.#store.get('pods', ns, name)) return; // deleted while it was being set up
    const id = await this.#create(pod, container, env);
    this.#containers.set(`${ns}/${name}`, id);
    const handle = this.#docker.getContainer(id);
    await handle.start();
    const started = new Date().toISOString();
    this.#status(ns, name, (s) => {
      s.phase = 'Running';
      s.startTime = started;
      s.containerStatuses = [
        { name: container.name, image: container.image, ready: true, state: { running: { startedAt: started } } },
      ];
    });
    await handle.wait();
    const state = (await handle.inspect()).State;
    const reason = state.OOMKilled ? 'OOMKilled' : state.ExitCode === 0 ? 'Completed' : 'Error';
    this.#status(ns, name, (s) => {
      s.phase = state.ExitCode === 0 ? 'Succeeded' : 'Failed';
      s.containerStatuses = [
        {
          name: container.name,
          image: container.image,
          ready: false,
          state: {
            terminated: { exitCode: state.ExitCode, reason, startedAt: started, finishedAt: new Date().toISOString() },
          },
        },
      ];
    });
    // A pod being deleted goes once its container has stopped.
    if (this.#store.get('pods', ns, name)?.metadata.deletionTimestamp) await this.#removePod(ns, name);
  }

  /** Graceful deletion: SIGTERM, then SIGKILL after the grace period; a pod without a running container goes at once. */
  async deletePod(ns: string, name: string, grace: number | undefined): Promise<void> {
    const pod = this.#store.get('pods', ns, name);
    if (!pod) return;
    const id = this.#containers.get(`${ns}/${name}`);
    const running = id !== undefined && pod.status?.phase === 'Running';
    if (!running) return this.#removePod(ns, name);
    const seconds = grace ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    const previous = pod.metadata.deletionGracePeriodSeconds;
    if (previous !== undefined && previous <= seconds) return; // already terminating at least as fast
    this.#store.update('pods', {
      ...pod,
      metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: seconds },
    });
    const container = this.#docker.getContainer(id);
    if (seconds === 0) return void (await container.kill({ signal: 'SIGKILL' }).catch(() => undefined));
    if (previous === undefined) await container.kill({ signal: 'SIGTERM' }).catch(() => undefined);
    const timer = setTimeout(() => {
      this.#killTimers.delete(timer);
      void container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
    }, seconds * 1000);
    this.#killTimers.add(timer);
  }

  /** The Eviction API: marks the pod DisruptionTarget, then deletes it with its grace period. */
  async evict(ns: string, name: string): Promise<void> {
    this.#status(ns, name, (s) => {
      s.conditions = [
        ...(s.conditions ?? []),
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'EvictionByEvictionAPI',
          message: 'Eviction API: evicting',
        },
      ];
    });
    recordEvent(this.#store, ns, { kind: 'Pod', name }, 'Warning', 'Evicted', 'Evicted by the Eviction API');
    await this.deletePod(ns, name, undefined);
  }

  async podLog(ns: string, name: string, tailLines: number | undefined): Promise<string> {
    const id = this.#containers.get(`${ns}/${name}`);
    if (!id) return '';
    const raw = await this.#docker
      .getContainer(id)
      .logs({ stdout: true, stderr: true, follow: false, ...(tailLines === undefined ? {} : { tail: tailLines }) });
    return demuxDockerLogs(raw as unknown as Buffer);
  }

  stop(): void {
    for (const t of this.#killTimers) clearTimeout(t);
  }

  async #removePod(ns: string, name: string): Promise<void> {
    this.#store.remove('pods', ns, name);
    const id = this.#containers.get(`${ns}/${name}`);
    this.#containers.delete(`${ns}/${name}`);
    if (id)
      await this.#docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
  }

  async #create(pod: Obj, container: Obj, env: string[]): Promise<string> {
    const volumes = new Map<string, Obj>((pod.spec.volumes ?? []).map((v: Obj) => [v.name, v]));
    const binds: string[] = [];
    const tmpfs: Record<string, string> = {};
    for (const m of container.volumeMounts ?? []) {
      const v = volumes.get(m.name);
      if (v?.hostPath) binds.push(`${v.hostPath.path}:${m.mountPath}${m.readOnly ? ':ro' : ''}`);
      else if (v?.emptyDir) tmpfs[m.mountPath] = '';
    }
    const limits = container.resources?.limits ?? {};
    const memory = limits.memory === undefined ? undefined : parseQuantity(String(limits.memory));
    const cpu = limits.cpu === undefined ? undefined : parseQuantity(String(limits.cpu));
    const created = await this.#docker.createContainer({
      name: `k8s_${pod.metadata.name}_${pod.metadata.namespace}`,
      Image: container.image,
      ...(container.command ? { Entrypoint: container.command } : {}),
      Cmd: container.args ?? [],
      Env: env,
      Labels: { ...pod.metadata.labels, [CONTAINER_LABEL]: `${pod.metadata.namespace}/${pod.metadata.name}` },
      HostConfig: {
        NetworkMode: pod.spec.hostNetwork ? 'host' : 'none',
        Binds: binds,
        Tmpfs: tmpfs,
        // No swap beyond the limit, as on a node: over the limit is an OOM kill.
        ...(memory ? { Memory: memory, MemorySwap: memory } : {}),
        ...(cpu ? { NanoCpus: Math.round(cpu * 1e9) } : {}),
        Init: true,
      },
    });
    return created.id;
  }

  async #hasImage(image: string): Promise<boolean> {
    try {
      await this.#docker.getImage(image).inspect();
      return true;
    } catch {
      return false;
    }
  }

  #waiting(ns: string, name: string, container: Obj, reason: string, message: string): void {
    this.#status(ns, name, (s) => {
      s.containerStatuses = [
        { name: container.name, image: container.image, ready: false, state: { waiting: { reason, message } } },
      ];
    });
  }

  #status(ns: string, name: string, mutate: (status: Obj) => void): void {
    const pod = this.#store.get('pods', ns, name);
    if (!pod) return;
    const status = structuredClone(pod.status ?? {});
    mutate(status);
    this.#store.update('pods', { ...pod, status });
  }
}

/** `512Mi`, `1G`, `250m` (CPU), `2` → a number (bytes or cores). */
export function parseQuantity(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|K|M|G|T|m)?$/.exec(text.trim());
  if (!match) throw new Error(`not a quantity: ${text}`);
  const factors: Record<string, number> = {
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
    k: 1e3,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    m: 1e-3,
  };
  return Number(match[1]) * (match[2] ? (factors[match[2]] as number) : 1);
}
