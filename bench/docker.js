// Issue 10 figures: a run launched into its own container by DockerRunLauncher, against the floor
// of any container launch on the same engine: `docker run --rm` of `node -e 0` in the same image.
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Instance, loadCodeLocation, parseInstanceConfig } from 'runyard';
import { DOCKER_CLI, dockerUnavailable, startDockerd } from './lib/dockerd.js';
import { fmtMs, sideBySide, timeLaunchToSuccess, timeProcess } from './lib/measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const IMAGE = 'runyard-node:bench';

export async function dockerBenchmarks({ rounds = 10 } = {}) {
  const unavailable = dockerUnavailable();
  if (unavailable) return [['docker: launch → RUN_SUCCESS', 'skipped', unavailable]];
  const engine = await startDockerd(IMAGE);
  const base = mkdtempSync('/tmp/ryb-home-');
  chmodSync(base, 0o755);
  const home = path.join(base, 'home');
  mkdirSync(home);
  mkdirSync(path.join(base, 'cache'), { mode: 0o700 });
  let instance;
  try {
    instance = await Instance.open({
      home,
      config: parseInstanceConfig({
        runLauncher: {
          class: 'DockerRunLauncher',
          config: {
            image: IMAGE,
            command: ['/usr/local/bin/node', path.join(repo, 'packages/runyard/bin/runyard.js')],
            network: 'none',
            volumes: [`${repo}:${repo}:ro`, `${base}:${base}`],
            env: { RUNYARD_CACHE_DIR: path.join(base, 'cache') },
            dockerHost: engine.host,
            autoRemoveAfterSeconds: 0,
          },
        },
      }),
    });
    const location = await loadCodeLocation(path.join(here, 'fixtures', 'one-op.ts'));
    const job = location.getJob('one_op');
    const launch = () => timeLaunchToSuccess(instance, job, location.path);
    const bare = () =>
      timeProcess(DOCKER_CLI, ['run', '--rm', '--network', 'none', IMAGE, 'node', '-e', '0'], { env: engine.env });
    await launch(); // the first worker compiles the code location into the shared cache
    bare();
    const { docker, plain } = await sideBySide({ docker: launch, plain: bare }, rounds);
    return [
      [
        'DockerRunLauncher: launch → RUN_SUCCESS, one op',
        fmtMs(docker),
        `${(docker / plain).toFixed(2)}× docker run --rm node -e 0 (${fmtMs(plain)}); target ≤ 2×`,
      ],
    ];
  } finally {
    await instance?.dispose();
    await engine.stop();
    rmSync(base, { recursive: true, force: true });
  }
}
