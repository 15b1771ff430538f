import type { ComponentConfig } from './component-config.js';
import type { PluginSection } from './plugin-sections.js';
import type { RunLaunchersConfig } from './run-launchers-config.js';

// Types only, apart from the validator and the loader, so that every module can name them without
// an import cycle or loading anything at run time.

export interface RunMonitoringSettings {
  readonly enabled: boolean;
  readonly startTimeoutSeconds: number;
  readonly heartbeatTimeoutSeconds: number;
  readonly pollIntervalSeconds: number;
  readonly maxResumeAttempts: number;
  readonly cancelTimeoutSeconds: number;
}

export interface RunWorkerSettings {
  readonly heartbeatIntervalSeconds: number;
}

export interface DaemonSettings {
  readonly heartbeatIntervalSeconds: number;
  readonly heartbeatToleranceSeconds: number;
}

export interface RunRetriesSettings {
  readonly enabled: boolean;
  readonly maxRetries: number;
  readonly retryOnOpFailure: boolean;
}

/**
 * runyard.yaml parsed, validated and deeply frozen, with every default filled in. Component configs
 * keep `{ env: NAME }` references as written; they are resolved when the component is created.
 */
export interface InstanceConfig {
  readonly storage: ComponentConfig;
  readonly runCoordinator: ComponentConfig;
  /** The default launcher's component; with `runLaunchers`, the one it names as default. */
  readonly runLauncher: ComponentConfig;
  /** Named launchers, when runyard.yaml gives `runLaunchers` (see namedLaunchers()). */
  readonly runLaunchers?: RunLaunchersConfig;
  readonly computeLogs: ComponentConfig;
  /** Where launched runs keep step outputs (resume, retry from failure, step processes read them). */
  readonly ioManager: ComponentConfig;
  readonly runMonitoring: RunMonitoringSettings;
  readonly runWorker: RunWorkerSettings;
  readonly daemon: DaemonSettings;
  readonly runRetries: RunRetriesSettings;
  /** `@runyard/queue`'s settings, as written (env references unresolved); that package checks and reads them. */
  readonly queue?: PluginSection;
  /** Absolute path of the file it was read from; custom `module` paths are relative to its directory. */
  readonly file?: string;
}
