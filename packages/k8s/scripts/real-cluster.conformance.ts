/**
 * The launcher conformance suite against a real cluster; started by real-cluster-conformance.sh,
 * never by CI. Runs store their SQLite home and marker files in RUNYARD_K8S_SHARED_DIR, which the
 * pods see at the same path through hostPath volumes, as the repository itself.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLauncherConformance } from '@runyard/testing';
import { Instance, parseInstanceConfig } from 'runyard';
import { type K8sRunLauncherConfig, loadKubeClient, runSelector } from '../src/index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const image = process.env.RUNYARD_K8S_IMAGE as string;
const shared = process.env.RUNYARD_K8S_SHARED_DIR as string;
const namespace = process.env.RUNYARD_K8S_NAMESPACE ?? 'default';
const context = process.env.RUNYARD_K8S_CONTEXT;

runLauncherConformance(
  'K8sRunLauncher (real cluster)',
  async () => {
    const base = mkdtempSync(path.join(shared, 'runyard-conformance-'));
    chmodSync(base, 0o777);
    for (const dir of ['home', 'scratch']) mkdirSync(path.join(base, dir), { mode: 0o777 });
    const config: K8sRunLauncherConfig = {
      image,
      imagePullPolicy: 'IfNotPresent',
      namespace,
      command: ['/usr/local/bin/node', path.join(REPO, 'packages/runyard/bin/runyard.js')],
      volumes: [
        { name: 'repo', hostPath: { path: REPO } },
        { name: 'base', hostPath: { path: base } },
      ],
      volumeMounts: [
        { name: 'repo', mountPath: REPO, readOnly: true },
        { name: 'base', mountPath: base },
      ],
      env: { RUNYARD_CACHE_DIR: '/tmp/runyard-cache' },
      ...(context ? { kubeconfig: { context } } : {}),
    };
    const instance = await Instance.open({
      home: path.join(base, 'home'),
      config: parseInstanceConfig({ runLauncher: { class: 'K8sRunLauncher', config } }),
    });
    const kube = await loadKubeClient({ ...(context ? { kubeconfig: { context } } : {}), inCluster: false });
    return {
      instance,
      scratchDir: path.join(base, 'scratch'),
      async killWorker(run) {
        for (const pod of (await kube.listPods(namespace, runSelector(run.runId))).items)
          await kube.deletePod(namespace, pod.metadata?.name as string, { gracePeriodSeconds: 0 });
      },
      async workerAlive(run) {
        const pods = (await kube.listPods(namespace, runSelector(run.runId))).items;
        if (pods.some((p) => p.status?.phase === 'Pending' || p.status?.phase === 'Running')) return true;
        return run.worker ? (await (await instance.launcher()).checkHealth(run)).status === 'RUNNING' : false;
      },
      async cleanup() {
        await instance.dispose();
        rmSync(base, { recursive: true, force: true });
      },
    };
  },
  { timeoutMs: 120_000 },
);
