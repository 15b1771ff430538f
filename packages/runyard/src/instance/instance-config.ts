/**
 * The instance config, as Runyard's public entry exports it: its types, defaults, loader and
 * validator. Each lives in a module of its own, so that a run worker, which needs the types and
 * defaults only, loads neither the validator (zod) nor the YAML parser.
 */

export { instanceConfigData } from './instance-config-data.js';
export { DEFAULT_COMPONENTS, DEFAULT_INSTANCE_CONFIG } from './instance-config-defaults.js';
export { INSTANCE_CONFIG_FILE, loadInstanceConfig } from './instance-config-file.js';
export type { InstanceConfigInput } from './instance-config-schema.js';
export type {
  DaemonSettings,
  InstanceConfig,
  RunMonitoringSettings,
  RunRetriesSettings,
  RunWorkerSettings,
} from './instance-config-types.js';
export { parseInstanceConfig, parseInstanceConfigAsync } from './instance-config-validate.js';
