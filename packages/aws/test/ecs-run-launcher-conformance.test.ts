import { runLauncherConformance } from '@runyard/testing';
import { it } from 'vitest';
import { dockerAvailability } from '../../docker/test/support/dockerd.js';
import { describeWithDocker, openEcsInstance, startEcsWorld, taskAlive } from './support/ecs-harness.js';

// The shared lifecycle suite through ECS: moto takes the API calls, the test's agent runs each
// task's worker as a real container on a private dockerd, and reports back what happened.
if (dockerAvailability().ok) {
  runLauncherConformance('EcsRunLauncher', async () => {
    const world = await startEcsWorld();
    try {
      const setup = await openEcsInstance(world);
      return {
        instance: setup.instance,
        scratchDir: setup.scratch,
        async killWorker(run) {
          const container = world.agent.containerOf(String(run.worker?.externalId));
          if (!container) throw new Error(`no container for run ${run.runId}`);
          await container.kill({ signal: 'SIGKILL' });
        },
        workerAlive: (run) => taskAlive(world, run),
        async cleanup() {
          await setup.dispose();
          await world.stop();
        },
      };
    } catch (error) {
      await world.stop();
      throw error;
    }
  });
} else {
  describeWithDocker('run launcher conformance: EcsRunLauncher', () => {
    it('passes the shared lifecycle suite', () => {});
  });
}
