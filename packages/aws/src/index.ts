/**
 * Runyard on AWS: every run's worker as an ECS task (`EcsRunLauncher`).
 *
 *   # runyard.yaml
 *   runLauncher:
 *     class: EcsRunLauncher
 *     config: { cluster: runs, image: 123.dkr.ecr.eu-west-1.amazonaws.com/jobs:1, cpu: 1024, memory: 2048,
 *               launchType: FARGATE, networkMode: awsvpc, subnets: [subnet-1], securityGroups: [sg-1] }
 *
 * In code, `new EcsRunLauncher(config, undefined, { ecs })` takes an injected client.
 * `@aws-sdk/client-ecs` is a peer dependency, imported the first time a launcher talks to ECS.
 * See docs/aws.md.
 */

export {
  CloudWatchComputeLogManager,
  type CloudWatchComputeLogManagerConfig,
  type CloudWatchLogsApi,
  cloudWatchComputeLogManagerConfigSchema,
} from './cloudwatch-compute-log-manager.js';
export {
  type EcsApi,
  type EcsTask,
  isRetryableAwsError,
  loadEcsClient,
} from './ecs-client.js';
export { type RetryPolicy, withAwsRetry } from './ecs-retry.js';
export { EcsRunLauncher, type EcsRunLauncherOptions } from './ecs-run-launcher.js';
export {
  ECS_OVERRIDABLE_KEYS,
  type EcsOverridableKey,
  type EcsRunLauncherConfig,
  ecsRunLauncherConfigSchema,
  type ResolvedEcsRunLauncherConfig,
} from './ecs-run-launcher-config.js';
export { ECS_RUN_TAG, type EcsRunOverrides, parseEcsRunOverrides } from './ecs-run-overrides.js';
export { clientToken, ECS_TAGS, runTaskInput } from './ecs-run-task-input.js';
export { DESCRIBE_BATCH, EcsTaskBatcher } from './ecs-task-batcher.js';
export {
  CONFIG_HASH_TAG,
  configHash,
  EcsTaskDefinitions,
  familyName,
  taskDefinitionBody,
} from './ecs-task-definition.js';
export { classifyStartFailure, type EcsWorkerRef, healthFromTask, isEcsWorkerRef } from './ecs-task-health.js';
export { type S3Api, S3IOManager, type S3IOManagerConfig, s3IOManagerConfigSchema } from './s3-io-manager.js';
