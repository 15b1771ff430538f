import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { type ConfigIssue, InvalidConfigError, RunyardError } from '../errors.js';
import type { ComponentConfig } from './component-config.js';
import { parseWithSchema } from './config-issues.js';
import { cloneData, deepFreeze, isPlainObject, typeName } from './config-values.js';
import { checkEnvRefs } from './env-ref.js';
import { COMPONENT_KEYS, instanceConfigSchema } from './instance-config-schema.js';

export { DEFAULT_COMPONENTS, type InstanceConfigInput } from './instance-config-schema.js';

/** The instance's config file, inside RUNYARD_HOME. */
export const INSTANCE_CONFIG_FILE = 'runyard.yaml';

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

/** Reads `<home>/runyard.yaml`; a missing file means every default. */
export async function loadInstanceConfig(home: string): Promise<InstanceConfig> {
  const file = path.join(path.resolve(home), INSTANCE_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return parseInstanceConfig({});
    throw new RunyardError(`cannot read ${file}: ${(err as Error).message}`, {
      cause: err,
      data: { file },
      userError: true,
    });
  }
  return parseInstanceConfig(parseYaml(text, file), { file });
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

/**
 * The config as plain, mutable data, ready for YAML or JSON: env references as written (never
 * their values), every default spelt out, no `file`.
 */
export function instanceConfigData(config: InstanceConfig): Record<string, unknown> {
  const { file: _file, ...rest } = config;
  return cloneData(rest as Record<string, unknown>);
}

function parseYaml(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const errors = doc.errors.map((err) => ({ ...lineCounter.linePos(err.pos[0]), reason: err.message }));
  if (errors.length === 0) {
    try {
      return doc.toJS();
    } catch (err) {
      // e.g. an alias to an anchor that is not defined: no position to report.
      throw new InvalidConfigError(
        'instance config',
        [{ path: '', message: `YAML error: ${(err as Error).message}` }],
        { file },
      );
    }
  }
  const first = errors[0]!;
  // `file:line:col` leads the message, the form editors and terminals make clickable.
  throw new InvalidConfigError(
    'instance config',
    errors.map((e) => ({ path: '', message: `YAML syntax error at line ${e.line}, column ${e.col}: ${e.reason}` })),
    { file: `${file}:${first.line}:${first.col}` },
  );
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
