import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ECS } from '@aws-sdk/client-ecs';
import { Instance, MonitoringDaemon, parseInstanceConfig, type RunRecord } from 'runyard';
import { REPO } from '../../../docker/test/support/docker-instance.js';
import { type DockerEngine, IMAGE_NODE, startDockerEngine } from '../../../docker/test/support/dockerd.js';
import type { EcsRunLauncherConfig } from '../../src/index.js';
import { EcsAgent } from '../ecs-agent/ecs-agent.js';
import { type MotoServer, startMoto } from '../ecs-agent/moto-server.js';

export { describeWithDocker } from '../../../docker/test/support/dockerd.js';
export { REPO };

export const CLUSTER = 'runyard-test';

/** One moto, one dockerd and one agent for a test file. Sets the AWS_* variables in process.env. */
export interface EcsWorld {
  readonly moto: MotoServer;
  readonly engine: DockerEngine;
  readonly agent: EcsAgent;
  readonly ecs: ECS;
  stop(): Promise<void>;
}

export async function startEcsWorld(): Promise<EcsWorld> {
  const moto = await startMoto();
  let engine: DockerEngine | undefined;
  try {
    engine = await startDockerEngine();
    // As a deployment would: the SDK's own chain finds moto through AWS_ENDPOINT_URL.
    Object.assign(process.env, moto.env);
    const ecs = new ECS({});
    await ecs.createCluster({ clusterName: CLUSTER });
    const agent = new EcsAgent(moto, engine, CLUSTER);
    agent.start();
    const started = engine;
    return {
      moto,
      engine: started,
      agent,
      ecs,
      async stop() {
        await agent.stop();
        await started.stop();
        await moto.stop();
      },
    };
  } catch (error) {
    await engine?.stop();
    await moto.stop();
    throw error;
  }
}

/**
 * The launcher config the tests share: the offline image with node and Runyard's CLI from the
 * repository, mounted read-only through task definition volumes (the agent binds them), the test's
 * base directory mounted at the same path, a 5 s stop timeout (time enough for a worker on a busy
 * machine to stop on its own, as the conformance suite's polite terminate expects) and quick polling.
 */
export function ecsTestConfig(world: EcsWorld, base: string): EcsRunLauncherConfig {
  return {
    cluster: CLUSTER,
    image: world.engine.image,
    command: [IMAGE_NODE, path.join(REPO, 'packages/runyard/bin/runyard.js')],
    memory: 2048,
    launchType: 'FARGATE',
    networkMode: 'none',
    volumes: [
      { name: 'repo', host: { sourcePath: REPO } },
      { name: 'base', host: { sourcePath: base } },
    ],
    mountPoints: [
      { sourceVolume: 'repo', containerPath: REPO, readOnly: true },
      { sourceVolume: 'base', containerPath: base },
    ],
    env: { RUNYARD_CACHE_DIR: path.join(base, 'cache') },
    stopTimeoutSeconds: 5,
    pollSeconds: 0.1,
    copyRunTags: ['runyard.fault'],
  };
}

export interface EcsTestInstance {
  readonly instance: Instance;
  readonly base: string;
  readonly home: string;
  readonly scratch: string;
  readonly launcherConfig: EcsRunLauncherConfig;
  dispose(): Promise<void>;
}

export async function openEcsInstance(
  world: EcsWorld,
  overrides: Partial<EcsRunLauncherConfig> = {},
  extra: Record<string, unknown> = {},
): Promise<EcsTestInstance> {
  const base = mkdtempSync('/tmp/ry-ecs-');
  const home = path.join(base, 'home');
  const scratch = path.join(base, 'scratch');
  mkdirSync(home);
  mkdirSync(scratch);
  mkdirSync(path.join(base, 'cache'), { mode: 0o700 });
  chmodSync(base, 0o755);
  const launcherConfig = { ...ecsTestConfig(world, base), ...overrides };
  const instance = await Instance.open({
    home,
    config: parseInstanceConfig({ runLauncher: { class: 'EcsRunLauncher', config: launcherConfig }, ...extra }),
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

export function taskArn(run: RunRecord): string {
  const arn = run.worker?.externalId;
  if (typeof arn !== 'string') throw new Error(`run ${run.runId} has no task recorded`);
  return arn;
}

/**
 * True while the run's task is alive in either sense: its container still runs, or ECS (moto) does
 * not yet say STOPPED (the agent reports an exit a moment after the container ends).
 */
export async function taskAlive(world: EcsWorld, run: RunRecord): Promise<boolean> {
  const arn = run.worker?.externalId;
  if (typeof arn !== 'string') return false;
  const container = world.agent.containerOf(arn);
  if (container) {
    try {
      if ((await container.inspect()).State.Running === true) return true;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }
  const { tasks = [] } = await world.ecs.describeTasks({ cluster: CLUSTER, tasks: [arn] });
  return tasks[0] !== undefined && tasks[0].lastStatus !== 'STOPPED';
}

/**
 * Run monitoring for the test's instance, in this process (as `runyard daemon` runs it beside the
 * launcher that launched the runs): an iteration every 200 ms until stop().
 */
export function startMonitoring(instance: Instance): { readonly log: string[]; stop(): Promise<void> } {
  const daemon = new MonitoringDaemon(instance);
  const abort = new AbortController();
  const log: string[] = [];
  const loop = (async () => {
    while (!abort.signal.aborted) {
      await daemon
        .runIteration({ instance, daemonId: 'test-monitor', signal: abort.signal, log: (line) => log.push(line) })
        .catch((error: unknown) => log.push(String(error)));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  return {
    log,
    async stop() {
      abort.abort();
      await loop;
      await daemon.settled();
    },
  };
}
