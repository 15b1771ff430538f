/**
 * TEST TOOL, not part of @runyard/k8s (see README.md here): a fake Kubernetes API server whose one
 * node runs pods on a real Docker engine. No kube-apiserver, kind or k3s can run on this machine,
 * so the launcher's tests talk to this through the real @kubernetes/client-node instead. A check
 * against a real cluster is the separate, opt-in script in packages/k8s/scripts/.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { FakeJobController } from './fake-job-controller.js';
import { type FakeKubeHttp, serveFakeKube } from './fake-kube-server.js';
import { FakeKubeStore, type Obj } from './fake-kube-store.js';
import { FakeKubelet, type NodeSize } from './fake-kubelet.js';

export interface FakeKubeOptions {
  /** The Docker engine pods run on: `unix:///…/docker.sock`. */
  readonly dockerHost: string;
  readonly node?: NodeSize;
  readonly serviceAccounts?: readonly string[];
  readonly secrets?: Record<string, Record<string, string>>;
  readonly configMaps?: Record<string, Record<string, string>>;
}

export interface FakeKube {
  readonly url: string;
  /** A kubeconfig file for the fake (plain HTTP, so skipTLSVerify), current context `fake`. */
  readonly kubeconfig: string;
  readonly store: FakeKubeStore;
  readonly http: FakeKubeHttp;
  /** The run's pods, from the store (what `kubectl get pods -l runyard.dev/run-id=…` would show). */
  podsOfRun(runId: string, namespace?: string): Obj[];
  evict(namespace: string, pod: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startFakeKube(options: FakeKubeOptions): Promise<FakeKube> {
  const store = new FakeKubeStore();
  const docker = new Docker({ socketPath: options.dockerHost.replace(/^unix:\/\//, '') });
  const kubelet = new FakeKubelet(store, docker, {
    node: options.node ?? { memory: 8 * 1024 ** 3, cpu: 4 },
    secrets: options.secrets ?? {},
    configMaps: options.configMaps ?? {},
  });
  const jobs = new FakeJobController(store, kubelet, new Set(['default', ...(options.serviceAccounts ?? [])]));
  const http = await serveFakeKube(store, {
    deleteJob: (ns, name, policy, grace) => jobs.deleteJob(ns, name, policy, grace),
    deletePod: (ns, name, grace) => void kubelet.deletePod(ns, name, grace),
    podLog: (ns, name, tail) => kubelet.podLog(ns, name, tail),
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'fake-kube-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: http.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'fake', user: { token: 'fake-token' } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake', namespace: 'default' } }],
      'current-context': 'fake',
    }),
  );
  return {
    url: http.url,
    kubeconfig,
    store,
    http,
    podsOfRun: (runId, namespace = 'default') => store.list('pods', namespace, `runyard.dev/run-id=${runId}`),
    evict: (ns, pod) => kubelet.evict(ns, pod),
    async stop() {
      jobs.stop();
      kubelet.stop();
      await http.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
