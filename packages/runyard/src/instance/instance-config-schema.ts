import type { z as Zod } from 'zod';
import type { ComponentConfig } from './component-config.js';
import {
  DEFAULT_COMPONENTS,
  DEFAULT_DAEMON,
  DEFAULT_RUN_MONITORING,
  DEFAULT_RUN_RETRIES,
  DEFAULT_RUN_WORKER,
} from './instance-config-defaults.js';
import { PLUGIN_SECTION_KEYS } from './plugin-sections.js';
import { buildRunLaunchersSchema } from './run-launchers-config.js';

/**
 * The zod form of runyard.yaml. Every object is strict, so a misspelt key is an error rather than a
 * silently ignored setting. The default values come from instance-config-defaults.ts, so a config
 * that never meets this schema (no runyard.yaml) gets the very same ones.
 *
 * It is built from the `z` it is given, when some config needs checking: this module does not load
 * zod, so neither does importing Runyard (every code location does) nor starting a run worker.
 */
export function buildInstanceConfigSchema(z: typeof Zod) {
  const seconds = () => z.number().positive();
  const count = () => z.number().int().nonnegative();

  const component = (defaults: ComponentConfig) =>
    z
      .strictObject({
        module: z.string().min(1).optional(),
        class: z.string().min(1),
        // Left as written: `{ env: NAME }` references inside are resolved when the component is created.
        config: z.record(z.string(), z.unknown()).optional(),
      })
      .default(() => structuredClone(defaults));

  const runMonitoring = z
    .strictObject({
      enabled: z.boolean().default(DEFAULT_RUN_MONITORING.enabled),
      /** A run still STARTING after this long failed to start: FAILURE, with the launcher's debug info. */
      startTimeoutSeconds: seconds().default(DEFAULT_RUN_MONITORING.startTimeoutSeconds),
      /** A STARTED run whose latest worker heartbeat is older than this is treated as a dead worker. */
      heartbeatTimeoutSeconds: seconds().default(DEFAULT_RUN_MONITORING.heartbeatTimeoutSeconds),
      pollIntervalSeconds: seconds().default(DEFAULT_RUN_MONITORING.pollIntervalSeconds),
      /** How often a dead worker is resumed (where the launcher can) before the run fails. */
      maxResumeAttempts: count().default(DEFAULT_RUN_MONITORING.maxResumeAttempts),
      /** A run still CANCELING after this long has its worker killed and becomes CANCELED. */
      cancelTimeoutSeconds: seconds().default(DEFAULT_RUN_MONITORING.cancelTimeoutSeconds),
    })
    .prefault({});

  const runWorker = z
    .strictObject({
      heartbeatIntervalSeconds: seconds().default(DEFAULT_RUN_WORKER.heartbeatIntervalSeconds),
    })
    .prefault({});

  const daemon = z
    .strictObject({
      heartbeatIntervalSeconds: seconds().default(DEFAULT_DAEMON.heartbeatIntervalSeconds),
      /** A daemon silent for longer is reported unhealthy, and another daemon may take over its leases. */
      heartbeatToleranceSeconds: seconds().default(DEFAULT_DAEMON.heartbeatToleranceSeconds),
    })
    .prefault({});

  const runRetries = z
    .strictObject({
      enabled: z.boolean().default(DEFAULT_RUN_RETRIES.enabled),
      /** Retries for a failed run unless its `runyard/max_retries` tag says otherwise. */
      maxRetries: count().default(DEFAULT_RUN_RETRIES.maxRetries),
      /** False: retry only runs whose worker died, not runs where an op failed. */
      retryOnOpFailure: z.boolean().default(DEFAULT_RUN_RETRIES.retryOnOpFailure),
    })
    .prefault({});

  // Plug-in sections (plugin-sections.ts): any mapping here, checked by the plug-in's package.
  const pluginSections = Object.fromEntries(
    PLUGIN_SECTION_KEYS.map((key) => [key, z.record(z.string(), z.unknown()).optional()]),
  ) as Record<(typeof PLUGIN_SECTION_KEYS)[number], Zod.ZodOptional<Zod.ZodRecord<Zod.ZodString, Zod.ZodUnknown>>>;

  return z.strictObject({
    storage: component(DEFAULT_COMPONENTS.storage),
    runCoordinator: component(DEFAULT_COMPONENTS.runCoordinator),
    runLauncher: component(DEFAULT_COMPONENTS.runLauncher),
    // Several named launchers (run-launchers-config.ts); absent unless written.
    runLaunchers: buildRunLaunchersSchema(z).optional(),
    computeLogs: component(DEFAULT_COMPONENTS.computeLogs),
    ioManager: component(DEFAULT_COMPONENTS.ioManager),
    runMonitoring,
    runWorker,
    daemon,
    runRetries,
    ...pluginSections,
  });
}

export type InstanceConfigSchema = ReturnType<typeof buildInstanceConfigSchema>;

/** What runyard.yaml may hold: every key optional. */
export type InstanceConfigInput = Zod.input<InstanceConfigSchema>;
