import type { RunTaskCommandInput } from '@aws-sdk/client-ecs';
import { z } from 'zod';

/**
 * The launcher's config, as runyard.yaml and `new EcsRunLauncher({...})` both give it. The task is
 * either an existing task definition (`taskDefinition`: a family, family:revision or ARN) or one the
 * launcher registers from `image` and the fields beside it, once per distinct configuration.
 * cpu, memory, ephemeral storage, env and the capacity provider strategy may also come from a run's
 * `runyard/ecs` tag when `allowRunOverrides` lists them.
 */

/** Keys a run may override, if the instance allows it. */
export const ECS_OVERRIDABLE_KEYS = [
  'cpu',
  'memory',
  'ephemeralStorageGiB',
  'env',
  'capacityProviderStrategy',
] as const;
export type EcsOverridableKey = (typeof ECS_OVERRIDABLE_KEYS)[number];

/**
 * RunTask parameters `runTaskParameters` may add: RunTaskCommandInput's keys that the launcher does
 * not set itself. The list is checked against the SDK's input type when this package is built.
 */
export const EXTRA_RUN_TASK_KEYS = [
  'group',
  'placementConstraints',
  'placementStrategy',
  'propagateTags',
  'referenceId',
  'startedBy',
  'enableECSManagedTags',
  'volumeConfigurations',
] as const satisfies readonly (keyof RunTaskCommandInput)[];

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'expected an environment variable name' });
const env = z.record(envName, z.string());
/** ECS writes cpu as units (1024 = one vCPU) and memory as MiB; strings such as '1 vCPU' and '2 GB' work too. */
const cpu = z.union([z.number().int().positive(), z.string().min(1)]).transform(String);
const memory = z.union([z.number().int().positive(), z.string().min(1)]).transform(String);
const ephemeralStorageGiB = z.number().int().min(21).max(200);
const capacityProviderStrategy = z
  .array(
    z.strictObject({
      capacityProvider: z.string().min(1),
      weight: z.number().int().min(0).max(1000).optional(),
      base: z.number().int().min(0).max(100000).optional(),
    }),
  )
  .min(1);

/** The shape of a run's `runyard/ecs` tag. */
export const ecsOverridesShape = { cpu, memory, ephemeralStorageGiB, env, capacityProviderStrategy };

const secret = z.strictObject({ name: envName, valueFrom: z.string().min(1) });
const logConfiguration = z.strictObject({
  logDriver: z.string().min(1),
  options: z.record(z.string(), z.string()).optional(),
  secretOptions: z.array(secret).optional(),
});

export const ecsRunLauncherConfigSchema = z
  .strictObject({
    /** The cluster's name or ARN. */
    cluster: z.string().min(1).default('default'),
    /** An existing task definition (family, family:revision or ARN); else one is built from the fields below. */
    taskDefinition: z.string().min(1).optional(),
    /** The image the worker runs in; it must hold Node, Runyard and the code location. */
    image: z.string().min(1).optional(),
    /** What runs `runyard` in the image; `worker execute-run <runId>` is appended. */
    command: z.array(z.string().min(1)).min(1).default(['runyard']),
    /** The container that runs the worker; checked against the task definition. */
    containerName: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}$/)
      .default('run'),
    cpu: cpu.optional(),
    memory: memory.optional(),
    ephemeralStorageGiB: ephemeralStorageGiB.optional(),
    runtimePlatform: z
      .strictObject({
        cpuArchitecture: z.enum(['X86_64', 'ARM64']).optional(),
        operatingSystemFamily: z.string().min(1).optional(),
      })
      .optional(),
    taskRoleArn: z.string().min(1).optional(),
    executionRoleArn: z.string().min(1).optional(),
    /** Usually `{ logDriver: awslogs, options: { awslogs-group, awslogs-region, awslogs-stream-prefix } }`. */
    logConfiguration: logConfiguration.optional(),
    /** Secrets Manager or SSM parameter ARNs, given to the worker as environment variables. */
    secrets: z.array(secret).default([]),
    env: env.default({}),
    /** Names copied from the launcher's own environment at launch (unset ones are skipped). */
    passEnv: z.array(envName).default([]),
    /** More containers in the built task definition, as ECS container definitions. */
    sidecars: z.array(z.looseObject({ name: z.string().min(1) })).default([]),
    /** Task definition volumes, as ECS writes them. */
    volumes: z.array(z.looseObject({ name: z.string().min(1) })).default([]),
    /** The worker container's mount points, as ECS writes them. */
    mountPoints: z.array(z.looseObject({ sourceVolume: z.string(), containerPath: z.string() })).default([]),
    requiresCompatibilities: z.array(z.enum(['EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES'])).optional(),
    networkMode: z.enum(['awsvpc', 'bridge', 'host', 'none']).optional(),
    /** Seconds between ECS's SIGTERM and its SIGKILL when a task is stopped (ECS allows 2 to 120). */
    stopTimeoutSeconds: z.number().int().min(2).max(120).default(30),
    launchType: z.enum(['FARGATE', 'EC2', 'EXTERNAL', 'MANAGED_INSTANCES']).optional(),
    /** E.g. `[{ capacityProvider: FARGATE_SPOT, weight: 1 }]`; excludes launchType. */
    capacityProviderStrategy: capacityProviderStrategy.optional(),
    platformVersion: z.string().min(1).optional(),
    subnets: z.array(z.string().min(1)).default([]),
    securityGroups: z.array(z.string().min(1)).default([]),
    assignPublicIp: z.boolean().default(false),
    /** Tags on every task (beside the launcher's own runyard.* tags). */
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
    /** Run tags copied onto the task when the run has them. */
    copyRunTags: z.array(z.string().min(1)).default([]),
    enableExecuteCommand: z.boolean().default(false),
    /** More RunTask parameters, passed as they are. */
    runTaskParameters: z.partialRecord(z.enum(EXTRA_RUN_TASK_KEYS), z.unknown()).default({}),
    /** Task definition families are `<prefix><job>-<hash>`. */
    familyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]*$/)
      .default('runyard-'),
    /** Times a task that failed to start for a passing reason (capacity, network) is started again. */
    maxStartRetries: z.number().int().min(0).max(20).default(3),
    /**
     * Seconds the launching process watches a new task, in the background, for a start failure to
     * replace (launchRun itself returns once the task ARN is recorded). 0: no watch; a task that
     * fails to start is left to run monitoring, without a replacement.
     */
    startTimeoutSeconds: z.number().nonnegative().default(600),
    /** Seconds between DescribeTasks while waiting for a task to start or stop. */
    pollSeconds: z.number().positive().default(2),
    /**
     * How old (ms) a health answer may be: a health check describes every task checked before in
     * one sweep (100 a call) and answers the rest of the monitor's tick from it.
     */
    healthCacheMs: z.number().int().nonnegative().default(1000),
    /** Keys a run may override through its `runyard/ecs` tag (a JSON object). Default: none. */
    allowRunOverrides: z.array(z.enum(ECS_OVERRIDABLE_KEYS)).default([]),
    /** Region and endpoint for the SDK; default: the SDK's chain (AWS_REGION, AWS_ENDPOINT_URL …). */
    region: z.string().min(1).optional(),
    endpoint: z.url().optional(),
  })
  .superRefine((c, ctx) => {
    if (!c.taskDefinition && !c.image)
      ctx.addIssue({ code: 'custom', path: ['image'], message: 'give either taskDefinition or image' });
    if (c.taskDefinition && c.image)
      ctx.addIssue({
        code: 'custom',
        path: ['taskDefinition'],
        message: 'give either taskDefinition or image, not both (image builds a task definition)',
      });
    if (c.launchType && c.capacityProviderStrategy)
      ctx.addIssue({
        code: 'custom',
        path: ['capacityProviderStrategy'],
        message: 'ECS refuses launchType together with capacityProviderStrategy; give one',
      });
    if (c.securityGroups.length && !c.subnets.length)
      ctx.addIssue({ code: 'custom', path: ['subnets'], message: 'securityGroups need subnets (awsvpc networking)' });
  });

/** Config as written (defaults optional). */
export type EcsRunLauncherConfig = z.input<typeof ecsRunLauncherConfigSchema>;
/** Config with every default filled in. */
export type ResolvedEcsRunLauncherConfig = z.output<typeof ecsRunLauncherConfigSchema>;
