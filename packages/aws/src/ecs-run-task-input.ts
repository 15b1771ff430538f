import { createHash } from 'node:crypto';
import { OUTSIDE_SIGTERM_ENV, type RunRecord, workerEnvironment } from 'runyard';
import type { EcsRunTaskInput, EcsTag } from './ecs-client.js';
import type { EXTRA_RUN_TASK_KEYS, ResolvedEcsRunLauncherConfig } from './ecs-run-launcher-config.js';
import type { EcsRunOverrides } from './ecs-run-overrides.js';

/** Tags on every task the launcher starts; the agent harness and people find tasks by them. */
export const ECS_TAGS = {
  runId: 'runyard.run-id',
  jobName: 'runyard.job-name',
  attempt: 'runyard.attempt',
  resumeAttempt: 'runyard.resume-attempt',
} as const;

export interface RunTaskInputParts {
  readonly config: ResolvedEcsRunLauncherConfig;
  readonly overrides: EcsRunOverrides;
  readonly run: RunRecord;
  readonly taskDefinition: string;
  /** `worker execute-run <runId> [--resume]`. */
  readonly args: readonly string[];
  /** The worker's own environment (RUNYARD_INSTANCE); it wins over everything configured. */
  readonly workerEnv: Readonly<Record<string, string>>;
  readonly launcherEnv: Readonly<Record<string, string | undefined>>;
  /** 0 for a launch, N for the Nth resume. */
  readonly resumeAttempt: number;
  /** 1 for the first task of this launch or resume; more when one that failed to start is replaced. */
  readonly startAttempt: number;
}

/**
 * RunTask's token: the same for a retried call of one attempt, so ECS starts one task however
 * often the call is repeated, and different for a resume or a replacement (ECS allows 64 characters).
 */
export function clientToken(runId: string, resumeAttempt: number, startAttempt: number): string {
  const plain = `${runId}-r${resumeAttempt}-s${startAttempt}`;
  return plain.length <= 64 && /^[\x21-\x7e]+$/.test(plain)
    ? plain
    : createHash('sha256').update(plain).digest('hex').slice(0, 64);
}

/** The RunTask call for one task of a run: the task definition plus this run's command, env and overrides. */
export function runTaskInput(parts: RunTaskInputParts): EcsRunTaskInput {
  const { config, overrides, run } = parts;
  const passed: Record<string, string | undefined> = {};
  for (const name of config.passEnv) passed[name] = parts.launcherEnv[name];
  // The configured env is in the task definition already; only a run's env overrides repeat it.
  // ECS's own SIGTERM (a Spot interruption, a scale-in) gives the run back to monitoring, which
  // resumes it, instead of cancelling it; StopTask from Runyard finds the run CANCELING first.
  const env = workerEnvironment(passed, { [OUTSIDE_SIGTERM_ENV]: 'release' }, overrides.env ?? {}, parts.workerEnv);
  const capacity = overrides.capacityProviderStrategy ?? config.capacityProviderStrategy;
  const extra = config.runTaskParameters as Partial<Record<(typeof EXTRA_RUN_TASK_KEYS)[number], unknown>>;
  return {
    startedBy: 'runyard',
    ...extra,
    cluster: config.cluster,
    taskDefinition: parts.taskDefinition,
    count: 1,
    clientToken: clientToken(run.runId, parts.resumeAttempt, parts.startAttempt),
    ...(capacity ? { capacityProviderStrategy: capacity } : config.launchType ? { launchType: config.launchType } : {}),
    ...(config.platformVersion ? { platformVersion: config.platformVersion } : {}),
    ...(config.subnets.length
      ? {
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: config.subnets,
              ...(config.securityGroups.length ? { securityGroups: config.securityGroups } : {}),
              assignPublicIp: config.assignPublicIp ? 'ENABLED' : 'DISABLED',
            },
          },
        }
      : {}),
    overrides: {
      ...(overrides.cpu ? { cpu: overrides.cpu } : {}),
      ...(overrides.memory ? { memory: overrides.memory } : {}),
      ...(overrides.ephemeralStorageGiB ? { ephemeralStorage: { sizeInGiB: overrides.ephemeralStorageGiB } } : {}),
      containerOverrides: [
        {
          name: config.containerName,
          command: [...config.command, ...parts.args],
          environment: Object.entries(env).map(([name, value]) => ({ name, value })),
          ...(overrides.memory && /^\d+$/.test(overrides.memory) ? { memory: Number(overrides.memory) } : {}),
        },
      ],
    },
    tags: taskTags(config, run, parts.resumeAttempt, parts.startAttempt),
    ...(config.enableExecuteCommand ? { enableExecuteCommand: true } : {}),
  };
}

function taskTags(
  config: ResolvedEcsRunLauncherConfig,
  run: RunRecord,
  resumeAttempt: number,
  startAttempt: number,
): EcsTag[] {
  const tags: Record<string, string> = { ...config.tags };
  for (const name of config.copyRunTags) {
    const value = run.tags[name];
    if (value !== undefined) tags[name] = value;
  }
  tags[ECS_TAGS.runId] = run.runId;
  tags[ECS_TAGS.jobName] = run.jobName;
  tags[ECS_TAGS.attempt] = String(startAttempt);
  tags[ECS_TAGS.resumeAttempt] = String(resumeAttempt);
  // ECS allows 256 characters in a value and refuses some characters; a copied tag is made to fit.
  return Object.entries(tags).map(([key, value]) => ({
    key: key.slice(0, 128),
    value: value.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_').slice(0, 256),
  }));
}
