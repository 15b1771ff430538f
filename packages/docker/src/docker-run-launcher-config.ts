import { z } from 'zod';

/**
 * The launcher's config, as runyard.yaml and `new DockerRunLauncher({...})` both give it. The
 * container-shaping keys (image, command, env, network, volumes, mounts, cpus, memory, labels)
 * may also come from a run's `runyard/docker` tag when `allowRunOverrides` lists them; the others
 * decide where and how containers run at all, so only the instance owner sets them.
 */

/** Keys a run may override, if the instance allows it. */
export const OVERRIDABLE_KEYS = [
  'image',
  'command',
  'env',
  'network',
  'volumes',
  'mounts',
  'cpus',
  'memory',
  'labels',
] as const;
export type OverridableKey = (typeof OVERRIDABLE_KEYS)[number];

const MEMORY_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/** `536870912`, `'512m'`, `'1g'`, `'1.5GiB'` → bytes, as `docker run --memory` reads them. */
export function parseMemory(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(value);
  if (!match) return undefined;
  const bytes = Math.floor(Number(match[1]) * (MEMORY_UNITS[(match[2] ?? '').toLowerCase()] ?? 1));
  return bytes > 0 ? bytes : undefined;
}

const memory = z
  .union([z.number(), z.string()])
  .refine((v) => parseMemory(v) !== undefined, {
    message: "expected bytes (a positive integer) or a size such as '512m' or '2g'",
  })
  // Docker refuses limits under 6 MiB; saying so here is clearer than the engine's error at launch.
  .refine((v) => (parseMemory(v) ?? 0) >= 6 * 1024 ** 2, { message: 'must be at least 6m (Docker refuses less)' });

const mount = z.strictObject({
  type: z.enum(['bind', 'volume', 'tmpfs']).default('bind'),
  source: z.string().min(1).optional(),
  target: z.string().startsWith('/', { message: 'must be an absolute path inside the container' }),
  readOnly: z.boolean().optional(),
});
export type DockerMount = z.output<typeof mount>;

const containerName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The keys that shape one container: the instance's defaults, or a run's overrides of them. */
export const containerSettingsShape = {
  /** The image the run worker runs in; it must hold Node, Runyard and the code location. */
  image: z.string().min(1),
  /** What runs `runyard` in the image; `worker execute-run <runId>` is appended. */
  command: z.array(z.string().min(1)).min(1),
  /** Environment for the container: values as given. */
  env: z.record(z.string().regex(/^[^=]+$/, { message: "names may not contain '='" }), z.string()),
  /** Docker network mode: `host`, `none`, `bridge`, or a network's name. */
  network: z.string().min(1),
  /** `docker run -v` binds: `/host/path:/container/path[:ro]` or `volume:/path`. */
  volumes: z.array(z.string().regex(/^[^:]+:\/[^:]*(:[a-z,]+)?$/, { message: "expected 'source:/target[:ro]'" })),
  mounts: z.array(mount),
  /** CPUs, as `docker run --cpus` (0.5 is half a core). */
  cpus: z.number().positive().max(1024),
  /** Memory limit; the container gets no swap beyond it, so exceeding it is an OOM kill. */
  memory,
  labels: z.record(z.string().min(1), z.string()),
};

export const dockerRunLauncherConfigSchema = z.strictObject({
  image: containerSettingsShape.image,
  command: containerSettingsShape.command.default(['runyard']),
  env: containerSettingsShape.env.default({}),
  /** Names of variables copied from the launcher's own environment at launch (unset ones are skipped). */
  passEnv: z.array(z.string().regex(/^[^=]+$/, { message: "names may not contain '='" })).default([]),
  network: containerSettingsShape.network.optional(),
  volumes: containerSettingsShape.volumes.default([]),
  mounts: containerSettingsShape.mounts.default([]),
  cpus: containerSettingsShape.cpus.optional(),
  memory: containerSettingsShape.memory.optional(),
  labels: containerSettingsShape.labels.default({}),
  /** Container names are `<prefix><runId>-<random>`, unique even for a second worker of a run. */
  containerNamePrefix: z
    .string()
    .regex(containerName, { message: 'must start with a letter or digit and hold only [a-zA-Z0-9_.-]' })
    .default('runyard-run-'),
  /**
   * Seconds an exited container is kept (for its logs and exit code) before the launcher removes
   * it, on a later launch, health check or dispose. Omit to keep containers until removed by hand.
   */
  autoRemoveAfterSeconds: z.number().int().nonnegative().optional(),
  /** Seconds a worker has to stop after SIGTERM before it is killed. */
  terminateGraceSeconds: z.number().nonnegative().default(10),
  /** Pull the image when the Docker host lacks it. Off by default: a missing image fails the launch. */
  pull: z.boolean().default(false),
  /** Runs an init process (docker-init) as PID 1, which forwards signals and reaps step processes. */
  init: z.boolean().default(true),
  /** `unix:///var/run/docker.sock`, `tcp://host:2375` …; default DOCKER_HOST, else the local socket. */
  dockerHost: z.string().min(1).optional(),
  /** Keys a run may override through its `runyard/docker` tag (a JSON object). Default: none. */
  allowRunOverrides: z.array(z.enum(OVERRIDABLE_KEYS)).default([]),
});

/** Config as written (defaults optional). */
export type DockerRunLauncherConfig = z.input<typeof dockerRunLauncherConfigSchema>;
/** Config with every default filled in. */
export type ResolvedDockerRunLauncherConfig = z.output<typeof dockerRunLauncherConfigSchema>;

/** The container-shaping part of the config, after a run's overrides are merged in. */
export type ContainerSettings = Pick<ResolvedDockerRunLauncherConfig, OverridableKey | 'passEnv' | 'init'>;
