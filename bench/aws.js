// Issue 13 figures: a run launched as an ECS task by EcsRunLauncher (moto + the test ECS agent,
// which runs the task's container on a private dockerd) against the same run through
// DockerRunLauncher on the same engine; AWS API calls per launched run; DescribeTasks calls for one
// monitoring tick over 200 runs in flight; S3IOManager (moto) against the file-system IO manager
// for a 10 MB output. The agent and moto wrapper are the tests' own (packages/aws/test/ecs-agent),
// bundled here with esbuild since they are TypeScript.
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Instance, loadCodeLocation, parseInstanceConfig } from 'runyard';
import { dockerUnavailable, startDockerd } from './lib/dockerd.js';
import { fmtMs, median, sideBySide, timeLaunchToSuccess } from './lib/measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const IMAGE = 'runyard-node:bench';
const CLUSTER = 'bench';
const IDLE_CLUSTER = 'bench-idle';
const NODE = '/usr/local/bin/node';

async function loadHarness() {
  const { build } = await import('esbuild');
  // Inside the repository, so that the bundle's imports resolve from its node_modules.
  const outfile = path.join(repo, '.bench-tmp', `ecs-harness-${process.pid}.mjs`);
  await build({
    stdin: {
      contents:
        "export { startMoto } from './test/ecs-agent/moto-server.ts';\nexport { EcsAgent } from './test/ecs-agent/ecs-agent.ts';",
      resolveDir: path.join(repo, 'packages/aws'),
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile,
    logLevel: 'error',
  });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(outfile, { force: true });
  }
}

export async function awsBenchmarks({ rounds = 5 } = {}) {
  const unavailable = dockerUnavailable();
  if (unavailable) return [['aws: ECS launch → RUN_SUCCESS', 'skipped', unavailable]];
  const base = mkdtempSync('/tmp/ryb-aws-');
  chmodSync(base, 0o755);
  mkdirSync(path.join(base, 'cache'), { mode: 0o700 });
  const harness = await loadHarness();
  // The bundle is elsewhere: moto_ecs.py is given by its path in the source tree.
  const moto = await harness.startMoto(path.join(repo, 'packages/aws/test/ecs-agent/moto_ecs.py'));
  Object.assign(process.env, moto.env);
  const engine = await startDockerd(IMAGE);
  const { default: Docker } = await import('dockerode');
  const { ECS } = await import('@aws-sdk/client-ecs');
  const ecs = new ECS({});
  const instances = [];
  let agent;
  try {
    await ecs.createCluster({ clusterName: CLUSTER });
    await ecs.createCluster({ clusterName: IDLE_CLUSTER });
    agent = new harness.EcsAgent(
      moto,
      { api: new Docker({ socketPath: engine.host.slice('unix://'.length) }) },
      CLUSTER,
    );
    agent.start();
    const runyard = path.join(repo, 'packages/runyard/bin/runyard.js');
    const open = async (name, runLauncher) => {
      const home = path.join(base, name);
      mkdirSync(home);
      const instance = await Instance.open({ home, config: parseInstanceConfig({ runLauncher }) });
      instances.push(instance);
      return instance;
    };
    const docker = await open('docker', {
      class: 'DockerRunLauncher',
      config: {
        image: IMAGE,
        command: [NODE, runyard],
        network: 'none',
        volumes: [`${repo}:${repo}:ro`, `${base}:${base}`],
        env: { RUNYARD_CACHE_DIR: path.join(base, 'cache') },
        dockerHost: engine.host,
        autoRemoveAfterSeconds: 0,
      },
    });
    const ecsInstance = await open('ecs', {
      class: 'EcsRunLauncher',
      config: {
        cluster: CLUSTER,
        image: IMAGE,
        command: [NODE, runyard],
        memory: 2048,
        launchType: 'FARGATE',
        networkMode: 'none',
        volumes: [
          { name: 'repo', host: { sourcePath: repo } },
          { name: 'base', host: { sourcePath: base } },
        ],
        mountPoints: [
          { sourceVolume: 'repo', containerPath: repo, readOnly: true },
          { sourceVolume: 'base', containerPath: base },
        ],
        env: { RUNYARD_CACHE_DIR: path.join(base, 'cache') },
        stopTimeoutSeconds: 2,
        pollSeconds: 0.05,
      },
    });
    const location = await loadCodeLocation(path.join(here, 'fixtures', 'one-op.ts'));
    const job = location.getJob('one_op');
    const launch = (instance) => () => timeLaunchToSuccess(instance, job, location.path);
    await launch(docker)(); // the first worker compiles the code location into the shared cache
    await launch(ecsInstance)(); // and the first ECS launch registers the task definition
    const ecsLauncher = (await ecsInstance.launcher()).inner;
    // launchRun itself makes no DescribeTasks call now: these are the start watch's, in the
    // launching process (in a daemon they share monitoring's sweep), until the task runs.
    const describesBefore = ecsLauncher.tasks.calls;
    const registrationsBefore = ecsLauncher.taskDefinitions.registrations;
    const times = await sideBySide({ ecs: launch(ecsInstance), docker: launch(docker) }, rounds);
    const describes = (ecsLauncher.tasks.calls - describesBefore) / rounds;
    const registrations = ecsLauncher.taskDefinitions.registrations - registrationsBefore;

    // 200 runs in flight, on a cluster the agent leaves alone: one health check each, all in one tick.
    const definition = await ecs.registerTaskDefinition({
      family: 'bench-idle',
      containerDefinitions: [{ name: 'run', image: IMAGE, memory: 128 }],
    });
    const runs = [];
    for (let i = 0; i < 20; i++) {
      const { tasks = [] } = await ecs.runTask({
        cluster: IDLE_CLUSTER,
        taskDefinition: definition.taskDefinition.taskDefinitionArn,
        launchType: 'FARGATE',
        count: 10,
      });
      for (const task of tasks)
        runs.push({
          runId: `idle-${runs.length}`,
          worker: { launcher: 'EcsRunLauncher', externalId: task.taskArn, cluster: IDLE_CLUSTER, containerName: 'run' },
        });
    }
    const before = ecsLauncher.tasks.calls;
    await Promise.all(runs.map((run) => ecsLauncher.checkRunWorkerHealth(run)));
    const tickCalls = ecsLauncher.tasks.calls - before;

    const io = await ioFigures(base);
    return [
      [
        'EcsRunLauncher (moto + agent): launch → RUN_SUCCESS, one op',
        fmtMs(times.ecs),
        `${(times.ecs / times.docker).toFixed(2)}× DockerRunLauncher on the same engine (${fmtMs(times.docker)}); target ≤ 1.5×`,
      ],
      [
        'EcsRunLauncher: AWS API calls per launched run',
        `${(1 + describes + registrations / rounds).toFixed(1)}`,
        `1 RunTask + ${describes.toFixed(1)} DescribeTasks (the start watch, until the task runs) + ${registrations} RegisterTaskDefinition in ${rounds} runs`,
      ],
      [
        'EcsRunLauncher: DescribeTasks calls for one health tick, 200 runs in flight',
        String(tickCalls),
        'target: one call per 100 runs (2)',
      ],
      [
        'S3IOManager (moto): store + load a 10 MB output',
        fmtMs(io.s3),
        `${(io.s3 / io.fs).toFixed(2)}× FileSystemIOManager (${fmtMs(io.fs)})`,
      ],
    ];
  } finally {
    await agent?.stop();
    for (const instance of instances) await instance.dispose();
    await engine.stop();
    await moto.stop();
    rmSync(base, { recursive: true, force: true });
  }
}

async function ioFigures(base) {
  const { S3 } = await import('@aws-sdk/client-s3');
  const { S3IOManager } = await import('@runyard/aws');
  const { FileSystemIOManager } = await import('runyard');
  await new S3({ forcePathStyle: true }).createBucket({ Bucket: 'bench' });
  const s3 = new S3IOManager({ bucket: 'bench', forcePathStyle: true });
  const fs = new FileSystemIOManager(path.join(base, 'outputs'));
  const value = { blob: 'x'.repeat(10 * 1024 * 1024) };
  let n = 0;
  const roundTrip = (io) => async () => {
    const key = { runId: `r${++n}`, stepKey: 'big' };
    const t = performance.now();
    await io.storeOutput(key, value);
    await io.loadOutput(key);
    return performance.now() - t;
  };
  const samples = { s3: [], fs: [] };
  for (let i = 0; i < 5; i++) {
    samples.s3.push(await roundTrip(s3)());
    samples.fs.push(await roundTrip(fs)());
  }
  return { s3: median(samples.s3), fs: median(samples.fs) };
}
