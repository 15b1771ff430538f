import { type ConfigIssue, InvalidConfigError } from '../errors.js';
import type { ComponentConfig } from './component-config.js';
import { parseWithSchema } from './config-issues.js';
import { cloneData, deepFreeze, isPlainObject, typeName } from './config-values.js';
import { checkEnvRefs } from './env-ref.js';
import { COMPONENT_KEYS } from './instance-config-defaults.js';
import { instanceConfigSchema } from './instance-config-schema.js';

/**
 * The instance config's public face: its types, and `parseInstanceConfig`, the validator. This
 * module imports zod (through the schema), so Runyard's own startup paths import only the parts
 * they need (instance-config-file.ts, instance-config-data.ts, instance-config-defaults.ts) and
 * load this one when there is config to check.
 */

export { instanceConfigData } from './instance-config-data.js';
export { DEFAULT_COMPONENTS, DEFAULT_INSTANCE_CONFIG } from './instance-config-defaults.js';
export { INSTANCE_CONFIG_FILE, loadInstanceConfig } from './instance-config-file.js';
export type { InstanceConfigInput } from './instance-config-schema.js';

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
  readonly runLauncher: ComponentConfig;
  readonly computeLogs: ComponentConfig;
  readonly runMonitoring: RunMonitoringSettings;
  readonly runWorker: RunWorkerSettings;
  readonly daemon: DaemonSettings;
  readonly runRetries: RunRetriesSettings;
  /** Absolute path of the file it was read from; custom `module` paths are relative to its directory. */
  readonly file?: string;
}

/**
 * Validates config given as data (parsed YAML, or an object built in code) and reports every
 * problem at once, each with its key path. `file` is only used in messages and to resolve modules.
 */
export function parseInstanceConfig(input: unknown, options: { file?: string } = {}): InstanceConfig {
  const fail = (issues: readonly ConfigIssue[]) =>
    new InvalidConfigError('instance config', issues, { file: options.file });
  if (input !== undefined && input !== null && !isPlainObject(input)) {
    throw fail([{ path: '', message: `expected a mapping of settings, got ${typeName(input)}` }]);
  }
  // A copy: freezing the result must never freeze objects the caller still holds.
  const normalized = withoutEmptyValues(cloneData(input ?? {}));
  const parsed = parseWithSchema(instanceConfigSchema, normalized, '');
  // Env references are checked on the input as well, so one run reports every problem.
  const envIssues = COMPONENT_KEYS.flatMap((key) => envRefIssues(key, normalized[key]));
  if (!parsed.ok) throw fail([...parsed.issues, ...envIssues]);

  const config = parsed.data;
  const issues: ConfigIssue[] = envIssues;
  if (config.runMonitoring.heartbeatTimeoutSeconds <= config.runWorker.heartbeatIntervalSeconds) {
    issues.push({
      path: 'runMonitoring.heartbeatTimeoutSeconds',
      message: `must be greater than runWorker.heartbeatIntervalSeconds (${config.runWorker.heartbeatIntervalSeconds}), or every run looks dead`,
    });
  }
  if (config.daemon.heartbeatToleranceSeconds <= config.daemon.heartbeatIntervalSeconds) {
    issues.push({
      path: 'daemon.heartbeatToleranceSeconds',
      message: `must be greater than daemon.heartbeatIntervalSeconds (${config.daemon.heartbeatIntervalSeconds})`,
    });
  }
  if (issues.length) throw fail(issues);
  return deepFreeze({ ...config, ...(options.file ? { file: options.file } : {}) });
}

/** `runMonitoring:` or `config:` with nothing after it means "the defaults", not null. */
function withoutEmptyValues(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (value === null) continue;
    if ((COMPONENT_KEYS as readonly string[]).includes(key) && isPlainObject(value) && value.config === null) {
      const { config: _config, ...component } = value;
      out[key] = component;
    } else {
      out[key] = value;
    }
  }
  return out;
}

function envRefIssues(key: string, component: unknown): ConfigIssue[] {
  const config = isPlainObject(component) ? component.config : undefined;
  if (!isPlainObject(config)) return [];
  const keys = Object.keys(config);
  if (keys.length === 1 && keys[0] === 'env') {
    return [
      {
        path: `${key}.config`,
        message: 'expected an object; { env: NAME } can give single values, not the whole config',
      },
    ];
  }
  return checkEnvRefs(config, `${key}.config`);
}
