import { runLauncherConformance } from '@runyard/testing';
import { it } from 'vitest';
import { containerId, containerRunning, openDockerInstance } from './support/docker-instance.js';
import { describeWithDocker, dockerAvailability, startDockerEngine } from './support/dockerd.js';

// The shared lifecycle suite, against a private dockerd: each run's worker is a real container of
// the offline image, with the repository and the test's home mounted at the same paths.
if (dockerAvailability().ok) {
  runLauncherConformance('DockerRunLauncher', async () => {
    const engine = await startDockerEngine();
    try {
      const setup = await openDockerInstance(engine);
      return {
        instance: setup.instance,
        scratchDir: setup.scratch,
        async killWorker(run) {
          await engine.cli('kill', containerId(run));
        },
        workerAlive: (run) => containerRunning(engine, run),
        async cleanup() {
          await setup.dispose();
          await engine.stop();
        },
      };
    } catch (error) {
      await engine.stop();
      throw error;
    }
  });
} else {
  describeWithDocker('run launcher conformance: DockerRunLauncher', () => {
    it('passes the shared lifecycle suite', () => {});
  });
}
