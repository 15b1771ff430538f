import { runLauncherConformance } from '@runyard/testing';
import { it } from 'vitest';
import { describeWithDocker, dockerAvailability } from '../../docker/test/support/dockerd.js';
import { killWorker, openK8sInstance, startKubeTestCluster, workerAlive } from './support/k8s-instance.js';

// The shared lifecycle suite through @kubernetes/client-node against the fake API server, whose
// node runs every Job's pod as a real container on a private dockerd (test/fake-kube/README.md).
if (dockerAvailability().ok) {
  runLauncherConformance('K8sRunLauncher', async () => {
    const cluster = await startKubeTestCluster();
    try {
      const setup = await openK8sInstance(cluster);
      return {
        instance: setup.instance,
        scratchDir: setup.scratch,
        killWorker: (run) => killWorker(cluster, run),
        workerAlive: (run) => workerAlive(setup.instance, cluster.kube, run),
        async cleanup() {
          await setup.dispose();
          await cluster.stop();
        },
      };
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  });
} else {
  describeWithDocker('run launcher conformance: K8sRunLauncher', () => {
    it('passes the shared lifecycle suite', () => {});
  });
}
