import { z } from 'zod';
import type { ComponentConfig } from './component-config.js';

/**
 * The zod form of runyard.yaml. Every object is strict, so a misspelt key is an error rather than a
 * silently ignored setting. Defaults live here and nowhere else; docs/instance-config.md lists them.
 */

export const DEFAULT_COMPONENTS = {
  storage: { class: 'SqliteStorage', config: { path: 'runyard.db' } },
  runCoordinator: { class: 'ImmediateRunCoordinator' },
  runLauncher: { class: 'ProcessRunLauncher' },
  computeLogs: { class: 'LocalComputeLogManager' },
} as const satisfies Record<string, ComponentConfig>;

const seconds = () => z.number().positive();
const count = () => z.number().int().nonnegative();

function component(defaults: ComponentConfig) {
  return z
    .strictObject({
      module: z.string().min(1).optional(),
      class: z.string().min(1),
      // Left as written: `{ env: NAME }` references inside are resolved when the component is created.
      config: z.record(z.string(), z.unknown()).optional(),
    })
    .default(() => structuredClone(defaults));
}

/**
 * Defaults suit the process launcher: a worker heartbeats every 2 s, so a SIGKILLed one misses its
 * heartbeats for 6 s and the next 2 s poll notices (≤ 8 s, inside the 10 s the product promises).
 * The launcher's own health check (is the pid alive?) usually notices on the first poll.
 */
const runMonitoring = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** A run still STARTING after this long failed to start: FAILURE, with the launcher's debug info. */
    startTimeoutSeconds: seconds().default(180),
    /** A STARTED run whose latest worker heartbeat is older than this is treated as a dead worker. */
    heartbeatTimeoutSeconds: seconds().default(6),
    pollIntervalSeconds: seconds().default(2),
    /** How often a dead worker is resumed (where the launcher can) before the run fails. */
    maxResumeAttempts: count().default(0),
    /** A run still CANCELING after this long has its worker killed and becomes CANCELED. */
    cancelTimeoutSeconds: seconds().default(60),
  })
  .prefault({});

const runWorker = z
  .strictObject({
    heartbeatIntervalSeconds: seconds().default(2),
  })
  .prefault({});

const daemon = z
  .strictObject({
    heartbeatIntervalSeconds: seconds().default(5),
    /** A daemon silent for longer is reported unhealthy, and another daemon may take over its leases. */
    heartbeatToleranceSeconds: seconds().default(30),
  })
  .prefault({});

const runRetries = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Retries for a failed run unless its `runyard/max_retries` tag says otherwise. */
    maxRetries: count().default(0),
    /** False: retry only runs whose worker died, not runs where an op failed. */
    retryOnOpFailure: z.boolean().default(true),
  })
  .prefault({});

export const instanceConfigSchema = z.strictObject({
  storage: component(DEFAULT_COMPONENTS.storage),
  runCoordinator: component(DEFAULT_COMPONENTS.runCoordinator),
  runLauncher: component(DEFAULT_COMPONENTS.runLauncher),
  computeLogs: component(DEFAULT_COMPONENTS.computeLogs),
  runMonitoring,
  runWorker,
  daemon,
  runRetries,
});

/** What runyard.yaml may hold: every key optional. */
export type InstanceConfigInput = z.input<typeof instanceConfigSchema>;

/** The keys whose values are components (`{ module?, class, config? }`). */
export const COMPONENT_KEYS = ['storage', 'runCoordinator', 'runLauncher', 'computeLogs'] as const;
