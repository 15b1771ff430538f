import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Instance, parseInstanceConfig, type RunRecord } from 'runyard';
import type { DockerRunLauncherConfig } from '../../src/index.js';
import { type DockerEngine, IMAGE_NODE, repoRoot } from './dockerd.js';

/** The repository without its trailing slash: bind-mounted read-only at the same path. */
export const REPO = repoRoot.replace(/\/$/, '');

export interface DockerTestInstance {
  readonly instance: Instance;
  /** Holds the home, the scratch directory and the worker's compile cache; mounted at the same path. */
  readonly base: string;
  readonly home: string;
  readonly scratch: string;
  /** The launcher config the instance was opened with. */
  readonly launcherConfig: DockerRunLauncherConfig;
  dispose(): Promise<void>;
}

/**
 * The launcher config the tests share: the offline image, node and Runyard's CLI from the mounted
 * repository, no network (SQLite on the mounted home needs none), and a compile cache that every
 * container shares so that only the first worker compiles the code location.
 */
export function testLauncherConfig(engine: DockerEngine, base: string): DockerRunLauncherConfig {
  return {
    image: engine.image,
    command: [IMAGE_NODE, path.join(REPO, 'packages/runyard/bin/runyard.js')],
    network: 'none',
    volumes: [`${REPO}:${REPO}:ro`, `${base}:${base}`],
    env: { RUNYARD_CACHE_DIR: path.join(base, 'cache') },
    dockerHost: engine.host,
    autoRemoveAfterSeconds: 600,
  };
}

export async function openDockerInstance(
  engine: DockerEngine,
  overrides: Partial<DockerRunLauncherConfig> = {},
  extra: Record<string, unknown> = {},
): Promise<DockerTestInstance> {
  const base = mkdtempSync('/tmp/ry-test-');
  const home = path.join(base, 'home');
  const scratch = path.join(base, 'scratch');
  mkdirSync(home);
  mkdirSync(scratch);
  // The compile cache refuses a directory others may write to.
  mkdirSync(path.join(base, 'cache'), { mode: 0o700 });
  chmodSync(base, 0o755);
  const launcherConfig = { ...testLauncherConfig(engine, base), ...overrides };
  const instance = await Instance.open({
    home,
    config: parseInstanceConfig({
      runLauncher: { class: 'DockerRunLauncher', config: launcherConfig },
      ...extra,
    }),
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

/** The container id the launcher recorded on the run. */
export function containerId(run: RunRecord): string {
  const id = run.worker?.externalId;
  if (typeof id !== 'string') throw new Error(`run ${run.runId} has no container recorded`);
  return id;
}

export async function containerRunning(engine: DockerEngine, run: RunRecord): Promise<boolean> {
  const id = run.worker?.externalId;
  if (typeof id !== 'string') return false;
  try {
    return (await engine.api.getContainer(id).inspect()).State.Running === true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}
