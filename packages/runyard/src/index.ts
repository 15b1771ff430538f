/**
 * Runyard: define jobs (graphs of ops) in TypeScript and run them.
 *
 *   import { z } from 'zod';
 *   import { defineDefinitions, executeJob, job, op } from 'runyard';
 *
 *   const greet = op({ name: 'greet', config: z.object({ name: z.string() }), run: (ctx) => `hello ${ctx.config.name}` });
 *   const hello = job({ name: 'hello', graph: () => { greet(); } });
 *   export default defineDefinitions({ jobs: [hello] });
 *
 *   const result = await executeJob(hello, { runConfig: { ops: { greet: { config: { name: 'yard' } } } } });
 *   console.log(result.status, result.outputFor('greet'));
 */

export type { PluginCommandContext } from './cli/commands/queue.js';
export {
  type CodeLocation,
  type LoadCodeLocationOptions,
  loadCodeLocation,
} from './code-location/load-code-location.js';
export type { ComputeLogManager, LogChunk, LogStream } from './compute-logs/compute-log-manager.js';
export { LocalComputeLogManager, type LocalComputeLogManagerConfig } from './compute-logs/local-compute-log-manager.js';
export { ImmediateRunCoordinator } from './coordinator/immediate-run-coordinator.js';
export type {
  QueuedRunCoordinatorConfig,
  TagConcurrencyLimit,
} from './coordinator/queued-run-coordinator-config.js';
export type { RunCoordinator, SubmitRunContext } from './coordinator/run-coordinator.js';
export type { Daemon, DaemonIterationContext } from './daemon/daemon.js';
export { DaemonLoop, type DaemonLoopOptions } from './daemon/daemon-loop.js';
export {
  INFRA_RESUME_ATTEMPT_TAG,
  MAX_INFRA_RESUME_ATTEMPTS,
  MAX_RUNTIME_TAG,
  RESUME_ATTEMPT_TAG,
} from './daemon/monitoring/monitoring-action.js';
export { MonitoringDaemon } from './daemon/monitoring/monitoring-daemon.js';
export { QueueDaemon } from './daemon/queue/queue-daemon.js';
export {
  listSchedules,
  type ScheduleChange,
  type ScheduleListing,
  ScheduleNotFoundError,
  startSchedule,
  stopSchedule,
} from './daemon/schedules/schedule-control.js';
export { SCHEDULE_NAME_TAG, scheduleTickRunId, TICK_AT_TAG } from './daemon/schedules/schedule-tags.js';
export { type Definitions, type DefinitionsSpec, defineDefinitions, isDefinitions } from './definitions/definitions.js';
export type { OutputHandle } from './definitions/graph-builder.js';
export {
  DEFAULT_MAX_MAPPED_STEPS,
  type ExecutorConfig,
  type JobDefinition,
  type JobSpec,
  job,
  type StepSpec,
} from './definitions/job.js';
export type { JobGraph, StepNode } from './definitions/job-graph.js';
export { type MapOptions, type MappedOutput, map } from './definitions/map.js';
export type { MapKeyFn, MapScope } from './definitions/map-scope.js';
export {
  type AnyOp,
  type InputArgs,
  type InputSchemas,
  type InputValues,
  type OpContext,
  type OpDefinition,
  type OpLogger,
  type OpSpec,
  op,
} from './definitions/op.js';
export { type Backoff, type RetryPolicy, retryDelayMs } from './definitions/retry-policy.js';
export {
  SCHEDULE_CATCH_UP,
  type ScheduleCatchUp,
  type ScheduleDefinition,
  type ScheduleEvaluationContext,
  type ScheduleSpec,
  schedule,
} from './definitions/schedule.js';
export { type CronSchedule, parseCron } from './definitions/schedule-cron.js';
export { itemKeysOf, stepKeyOf, stepNodeOf } from './definitions/step-key.js';
export type { ThreadResourceLimits } from './definitions/thread-resource-limits.js';
export { type ExecuteJobOptions, type ExecuteJobResult, executeJob } from './engine/execute-job.js';
export type { ExecutionOutcome, Executor, ExecutorContext } from './engine/executor.js';
export { type ExecutorFactory, loadExecutor, registerExecutor } from './engine/executor-factory.js';
export {
  FileSystemIOManager,
  OUTPUTS_DIR,
  OutputNotFoundError,
  OutputNotSerializableError,
} from './engine/fs-io-manager.js';
export type { IOManager, IOManagerChildConfig, OutputKey } from './engine/io-manager.js';
export { InMemoryIOManager } from './engine/io-manager.js';
export { validateRunConfig } from './engine/run-config.js';
export * from './errors.js';
export { type ErrorInfo, formatErrorChain, toErrorInfo } from './events/error-info.js';
export {
  LOG_LEVELS,
  type LogLevel,
  type NewRunEvent,
  type RunEvent,
  type RunEventType,
  STEP_EVENT_TYPES,
  type StepEventType,
} from './events/run-event.js';
export { type StepStats, type StepStatus, stepStatsFromEvents } from './events/step-stats.js';
export { registerBuiltin } from './instance/builtin-components.js';
export type { ComponentConfig } from './instance/component-config.js';
export { type ComponentContext, ComponentRegistry } from './instance/component-registry.js';
export {
  HOME_ENV_VAR,
  INSTANCE_ENV_VAR,
  Instance,
  type InstanceInfo,
  type InstanceOptions,
} from './instance/instance.js';
export {
  type InstanceConfig,
  instanceConfigData,
  loadInstanceConfig,
  parseInstanceConfig,
} from './instance/instance-config.js';
export type { PluginConfigSections, PluginSection } from './instance/plugin-sections.js';
export type {
  LauncherAllow,
  LauncherVariable,
  NamedLauncherConfig,
  RunLaunchersConfig,
} from './instance/run-launchers-config.js';
export { RunNotLaunchableError } from './launch/launch-run.js';
export { derivedRunId, type SubmitDerivedRunResult, submitDerivedRun } from './launch/submit-derived-run.js';
export { checkSelectedRunInputs, newRunForJob, type SubmitJobRunOptions } from './launch/submit-run.js';
export type { TerminateRunOptions, TerminateRunResult } from './launch/terminate-run.js';
export { BaseRunLauncher } from './launcher/base-run-launcher.js';
export { LAUNCHER_TAG } from './launcher/launcher-routing.js';
export { LAUNCHER_VARS_TAG, type LauncherVars } from './launcher/launcher-variables.js';
export { ManagedRunLauncher, type ManagedRunLauncherOptions } from './launcher/managed-run-launcher.js';
export { ProcessRunLauncher, type ProcessRunLauncherConfig } from './launcher/process/process-run-launcher.js';
export type {
  CheckRunTagsContext,
  LauncherCapabilities,
  LaunchRunContext,
  ResumeRunContext,
  RunLauncher,
  TerminateContext,
  TerminateResult,
  WorkerCommand,
  WorkerFailureClass,
  WorkerHealth,
  WorkerHealthStatus,
} from './launcher/run-launcher.js';
export {
  type LauncherChoice,
  LauncherNotConfiguredError,
  RunLauncherRouter,
} from './launcher/run-launcher-router.js';
export {
  type OverrideSchema,
  parseRunOverrideTag,
  type RunOverrideOutcome,
  type RunOverrideTag,
} from './launcher/run-override-tag.js';
export { SERVER_ONLY_ENV, workerEnvironment } from './launcher/worker-environment.js';
export { decideAutomaticRetry, type RetryDecision, type RunRetrySettings } from './retries/retry-policy.js';
export { automaticRetryRunId, type RetryRunOptions, type RetryRunResult, retryRun } from './retries/retry-run.js';
export {
  isRetryStrategy,
  MAX_RETRIES_TAG,
  PARENT_RUN_ID_TAG,
  REEXECUTION_TAG,
  RETRY_NUMBER_TAG,
  RETRY_ON_OP_FAILURE_TAG,
  RETRY_STRATEGIES,
  RETRY_STRATEGY_TAG,
  type RetryStrategy,
  ROOT_RUN_ID_TAG,
  retryNumberOf,
} from './retries/retry-tags.js';
export { type FollowRunOptions, followRun } from './runs/follow-run.js';
export type {
  NewRun,
  RunFilter,
  RunListOptions,
  RunOrigin,
  RunPatch,
  RunRecord,
  WorkerRef,
} from './runs/run-record.js';
export {
  allowedFromStatuses,
  IN_PROGRESS_STATUSES,
  isRunStatus,
  isTerminalStatus,
  RUN_STATUS_EVENT_TYPES,
  RUN_STATUS_TRANSITIONS,
  RUN_STATUSES,
  type RunStatus,
  type RunStatusEventType,
  TERMINAL_STATUSES,
  UNFINISHED_STATUSES,
} from './runs/run-status.js';
export { type ResolvedSelection, resolveSelection } from './selection/resolve-selection.js';
export { SelectionError, type SelectionIssue } from './selection/selection-error.js';
export { inputsFromOutside } from './selection/selection-inputs.js';
export { SELECTED_STEPS_TAG, STEP_SELECTION_TAG, selectedStepsOf } from './selection/selection-tags.js';
export { startUiServer, type UiServer, type UiServerOptions } from './server/index.js';
export type { DaemonHeartbeat, DaemonStorage, Lease } from './storage/daemon-storage.js';
export type { EventLogStorage, EventQuery, EventsStoredSubscription } from './storage/event-log-storage.js';
export type {
  RunStatusEvent,
  RunStorage,
  TransitionOptions,
  TransitionResult,
  UpdateRunOptions,
} from './storage/run-storage.js';
export type {
  NewTick,
  ScheduleState,
  ScheduleStatus,
  ScheduleStorage,
  TickPatch,
  TickRecord,
  TickStatus,
} from './storage/schedule-storage.js';
export { SqliteStorage, type SqliteStorageConfig, type SqliteStorageOptions } from './storage/sqlite/sqlite-storage.js';
export type { MigrationResult, Storage, StorageInfo } from './storage/storage.js';
export {
  findStorageUnusableError,
  type StorageProblem,
  StorageUnusableError,
} from './storage/storage-unusable-error.js';
export { completedStepsForRun } from './worker/completed-steps.js';
export { type RunWorkerOptions, type RunWorkerResult, runWorker } from './worker/run-worker.js';
export { OUTSIDE_SIGTERM_ENV, RELEASED_EXIT_CODE } from './worker/signal-release.js';
