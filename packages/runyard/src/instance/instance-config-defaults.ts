import { DEFAULT_SQLITE_PATH } from '../storage/sqlite/sqlite-storage-config.js';
import type { ComponentConfig } from './component-config.js';
import { deepFreeze } from './config-values.js';
import type {
  DaemonSettings,
  InstanceConfig,
  RunMonitoringSettings,
  RunRetriesSettings,
  RunWorkerSettings,
} from './instance-config-types.js';

/**
 * Every default of runyard.yaml, as plain frozen data. The zod schema (instance-config-schema.ts)
 * takes its defaults from here, and a test checks that `parseInstanceConfig({})` gives exactly
 * DEFAULT_INSTANCE_CONFIG; so an instance without runyard.yaml (the common case, and every run
 * worker's) never needs the validator at all. docs/instance-config.md lists these values.
 */

/** The keys whose values are components (`{ module?, class, config? }`). */
export const COMPONENT_KEYS = ['storage', 'runCoordinator', 'runLauncher', 'computeLogs', 'ioManager'] as const;

export type ComponentKey = (typeof COMPONENT_KEYS)[number];

export const DEFAULT_COMPONENTS = deepFreeze({
  storage: { class: 'SqliteStorage', config: { path: DEFAULT_SQLITE_PATH } },
  runCoordinator: { class: 'ImmediateRunCoordinator' },
  runLauncher: { class: 'ProcessRunLauncher' },
  computeLogs: { class: 'LocalComputeLogManager' },
  // Step outputs as files under <home>/outputs (the directory is its config's `baseDir`).
  ioManager: { class: 'FileSystemIOManager' },
} as const satisfies Record<ComponentKey, ComponentConfig>);

/** Where LocalComputeLogManager keeps logs when its config does not say: relative to RUNYARD_HOME. */
export const DEFAULT_COMPUTE_LOGS_DIR = 'compute_logs';

/**
 * Suited to the process launcher: a worker heartbeats every 2 s, so a SIGKILLed one misses its
 * heartbeats for 6 s and the next 2 s poll notices (≤ 8 s, inside the 10 s the product promises).
 * The launcher's own health check (is the pid alive?) usually notices on the first poll.
 */
export const DEFAULT_RUN_MONITORING = deepFreeze({
  enabled: true,
  startTimeoutSeconds: 180,
  heartbeatTimeoutSeconds: 6,
  pollIntervalSeconds: 2,
  maxResumeAttempts: 0,
  cancelTimeoutSeconds: 60,
} as const satisfies RunMonitoringSettings);

export const DEFAULT_RUN_WORKER = deepFreeze({ heartbeatIntervalSeconds: 2 } as const satisfies RunWorkerSettings);

export const DEFAULT_DAEMON = deepFreeze({
  heartbeatIntervalSeconds: 5,
  heartbeatToleranceSeconds: 30,
} as const satisfies DaemonSettings);

export const DEFAULT_RUN_RETRIES = deepFreeze({
  enabled: true,
  maxRetries: 0,
  retryOnOpFailure: true,
} as const satisfies RunRetriesSettings);

/** The whole config when there is no runyard.yaml: what the schema gives for `{}`. */
export const DEFAULT_INSTANCE_CONFIG: InstanceConfig = Object.freeze({
  ...DEFAULT_COMPONENTS,
  runMonitoring: DEFAULT_RUN_MONITORING,
  runWorker: DEFAULT_RUN_WORKER,
  daemon: DEFAULT_DAEMON,
  runRetries: DEFAULT_RUN_RETRIES,
});
