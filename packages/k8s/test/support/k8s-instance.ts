import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Instance, parseInstanceConfig, type RunRecord } from 'runyard';
import { type DockerEngine, IMAGE_NODE, repoRoot, startDockerEngine } from '../../../docker/test/support/dockerd.js';
import type { K8sRunLauncherConfig } from '../../src/index.js';
import { type FakeKube, type FakeKubeOptions, startFakeKube } from '../fake-kube/fake-kube.js';

/** The repository without its trailing slash: a hostPath volume mounted read-only at the same path. */
export const REPO = repoRoot.replace(/\/$/, '');

export interface KubeTestCluster {
  readonly engine: DockerEngine;
  readonly kube: FakeKube;
  stop(): Promise<void>;
}

/** One private dockerd and one fake API server whose node runs pods on it: one per test file. */
export async function startKubeTestCluster(
  options: Omit<FakeKubeOptions, 'dockerHost'> = {},
): Promise<KubeTestCluster> {
  const engine = await startDockerEngine();
  try {
    const kube = await startFakeKube({ ...options, dockerHost: engine.host });
    return {
      engine,
      kube,
      async stop() {
        await kube.stop();
        await engine.stop();
      },
    };
  } catch (error) {
    await engine.stop();
    throw error;
  }
}

export interface K8sTestInstance {
  readonly instance: Instance;
  readonly base: string;
  readonly home: string;
  readonly scratch: string;
  readonly launcherConfig: K8sRunLauncherConfig;
  dispose(): Promise<void>;
}

/**
 * The launcher config the tests share: the offline worker image (never pulled), node and Runyard's
 * CLI from the repository mounted by hostPath, the test's directory mounted at the same path (the
 * SQLite home is there), and a compile cache every pod shares.
 */
export function testLauncherConfig(cluster: KubeTestCluster, base: string): K8sRunLauncherConfig {
  return {
    image: cluster.engine.image,
    imagePullPolicy: 'Never',
    command: [IMAGE_NODE, path.join(REPO, 'packages/runyard/bin/runyard.js')],
    volumes: [
      { name: 'repo', hostPath: { path: REPO } },
      { name: 'base', hostPath: { path: base } },
    ],
    volumeMounts: [
      { name: 'repo', mountPath: REPO, readOnly: true },
      { name: 'base', mountPath: base },
    ],
    env: { RUNYARD_CACHE_DIR: path.join(base, 'cache') },
    kubeconfig: { file: cluster.kube.kubeconfig },
    terminateGraceSeconds: 10,
  };
}

export async function openK8sInstance(
  cluster: KubeTestCluster,
  overrides: Partial<K8sRunLauncherConfig> = {},
  extra: Record<string, unknown> = {},
): Promise<K8sTestInstance> {
  const base = mkdtempSync('/tmp/ry-k8s-');
  const home = path.join(base, 'home');
  const scratch = path.join(base, 'scratch');
  mkdirSync(home);
  mkdirSync(scratch);
  mkdirSync(path.join(base, 'cache'), { mode: 0o700 });
  chmodSync(base, 0o755);
  const launcherConfig = { ...testLauncherConfig(cluster, base), ...overrides };
  const instance = await Instance.open({
    home,
    config: parseInstanceConfig({ runLauncher: { class: 'K8sRunLauncher', config: launcherConfig }, ...extra }),
  });
  return {
    instance,
    base,
    home,
    scratch,
    launcherConfig,
    async dispose() {
      await instance.dispose();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** True while a pod of the run is Pending or Running in the fake cluster. */
export function podAlive(kube: FakeKube, run: RunRecord): boolean {
  return kube.podsOfRun(run.runId).some((p) => p.status?.phase === 'Pending' || p.status?.phase === 'Running');
}

/**
 * True while the cluster still runs a pod of the run, or the launcher's informer has not yet seen
 * it stop: the informer's cache trails the API server by one watch event (milliseconds), and the
 * conformance suite asks for the worker's health the moment it is gone.
 */
export async function workerAlive(instance: Instance, kube: FakeKube, run: RunRecord): Promise<boolean> {
  if (podAlive(kube, run)) return true;
  if (!run.worker) return false;
  return (await (await instance.launcher()).checkHealth(run)).status === 'RUNNING';
}

/** Kills the run's running container as a crash would (`docker kill`). */
export async function killWorker(cluster: KubeTestCluster, run: RunRecord): Promise<void> {
  const ids = (await cluster.engine.cli('ps', '-q', '--filter', `label=runyard.dev/run-id=${run.runId}`)).split('\n');
  for (const id of ids.filter(Boolean)) await cluster.engine.cli('kill', id);
}
