import { randomBytes } from 'node:crypto';
import { type RunRecord, workerEnvironment } from 'runyard';
import type { DockerCreateOptions } from './docker-client.js';
import { type ContainerSettings, parseMemory } from './docker-run-launcher-config.js';

/** Labels on every container the launcher creates; the sweep and the tests find containers by them. */
export const LABELS = {
  /** Marks a Runyard run worker; its value says which kind of container it is. */
  marker: 'runyard',
  runId: 'runyard.run-id',
  jobName: 'runyard.job-name',
  /** The instance's home: one Docker host may serve several instances, each sweeping only its own. */
  home: 'runyard.home',
} as const;
export const MARKER_VALUE = 'run-worker';

export interface ContainerSpecInput {
  readonly settings: ContainerSettings;
  readonly run: RunRecord;
  readonly home: string;
  readonly namePrefix: string;
  /** `worker execute-run <runId> [--resume]`. */
  readonly args: readonly string[];
  /** The worker's own environment (RUNYARD_INSTANCE); it wins over everything configured. */
  readonly workerEnv: Readonly<Record<string, string>>;
  /** Where `passEnv` names are read from: the launcher's environment. */
  readonly launcherEnv: Readonly<Record<string, string | undefined>>;
}

/**
 * The Engine API create body for one run worker. The command becomes the entrypoint so that an
 * image whose ENTRYPOINT is already `runyard` does not run `runyard runyard …`.
 */
export function containerSpec(input: ContainerSpecInput): DockerCreateOptions {
  const { settings, run } = input;
  const passed: Record<string, string | undefined> = {};
  for (const name of settings.passEnv) passed[name] = input.launcherEnv[name];
  const env = workerEnvironment(passed, settings.env, input.workerEnv);

  const memory = settings.memory === undefined ? undefined : parseMemory(settings.memory);
  return {
    name: `${input.namePrefix}${run.runId}-${randomBytes(3).toString('hex')}`,
    Image: settings.image,
    Entrypoint: [...settings.command],
    Cmd: [...input.args],
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: {
      ...settings.labels,
      [LABELS.marker]: MARKER_VALUE,
      [LABELS.runId]: run.runId,
      [LABELS.jobName]: run.jobName,
      [LABELS.home]: input.home,
    },
    HostConfig: {
      ...(settings.network ? { NetworkMode: settings.network } : {}),
      ...(settings.volumes.length ? { Binds: [...settings.volumes] } : {}),
      ...(settings.mounts.length
        ? {
            Mounts: settings.mounts.map((m) => ({
              Type: m.type,
              ...(m.source ? { Source: m.source } : {}),
              Target: m.target,
              ...(m.readOnly === undefined ? {} : { ReadOnly: m.readOnly }),
            })),
          }
        : {}),
      // Swap equal to memory: no swap, so a worker over its limit is OOM-killed (and reported so)
      // rather than slowed down by swapping.
      ...(memory ? { Memory: memory, MemorySwap: memory } : {}),
      ...(settings.cpus ? { NanoCpus: Math.round(settings.cpus * 1e9) } : {}),
      Init: settings.init,
    },
  };
}
