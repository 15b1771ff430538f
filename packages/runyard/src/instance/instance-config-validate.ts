import { createRequire } from 'node:module';
import { type ConfigIssue, InvalidConfigError } from '../errors.js';
import { parseWithSchema } from './config-issues.js';
import { cloneData, deepFreeze, isPlainObject, typeName } from './config-values.js';
import { checkEnvRefs, isEnvRef } from './env-ref.js';
import { COMPONENT_KEYS } from './instance-config-defaults.js';
import { buildInstanceConfigSchema, type InstanceConfigSchema } from './instance-config-schema.js';
import type { InstanceConfig } from './instance-config-types.js';
import { pluginSectionEnvIssues, pluginSectionIssues } from './plugin-sections.js';
import {
  launcherComponent,
  launcherLimitIssues,
  runLaunchersInputIssues,
  runLaunchersIssues,
} from './run-launchers-config.js';

/**
 * The instance config's validator. Nothing here loads zod until some config is validated: Runyard
 * is imported by every code location and every run worker, and most instances have no config to
 * check (no runyard.yaml; a worker's comes checked).
 */

/**
 * Validates config given as data (parsed YAML, or an object built in code) and reports every
 * problem at once, each with its key path. `file` is only used in messages and to resolve modules.
 * A plug-in's section (`queue:`) is accepted as any mapping here, since a synchronous function
 * cannot import its package: parseInstanceConfigAsync checks it, and the package checks it again
 * when it reads it.
 */
export function parseInstanceConfig(input: unknown, options: { file?: string } = {}): InstanceConfig {
  return validate(input, options, requiredSchema());
}

/**
 * parseInstanceConfig for Runyard's own paths, which can wait for an import(): they use zod's ES
 * module build, the one code locations import as well, so a process never loads zod twice.
 */
export async function parseInstanceConfigAsync(
  input: unknown,
  options: { file?: string } = {},
): Promise<InstanceConfig> {
  importedSchema ??= import('zod').then(({ z }) => buildInstanceConfigSchema(z));
  const schema = await importedSchema;
  // Plug-in sections are checked by their packages, imported only when a section is present.
  const sectionIssues = isPlainObject(input) ? await pluginSectionIssues(input, options.file) : [];
  return validate(input, options, schema, sectionIssues);
}

let importedSchema: Promise<InstanceConfigSchema> | undefined;
let requiredSchemaValue: InstanceConfigSchema | undefined;

/**
 * A synchronous function cannot import() zod, and a static import would load it (~40 ms) wherever
 * Runyard is imported. So the first call requires zod's CommonJS build. An application that also
 * imports zod itself then holds both builds; the schema built here never leaves this module.
 */
function requiredSchema(): InstanceConfigSchema {
  requiredSchemaValue ??= buildInstanceConfigSchema((createRequire(import.meta.url)('zod') as typeof import('zod')).z);
  return requiredSchemaValue;
}

function validate(
  input: unknown,
  options: { file?: string },
  schema: InstanceConfigSchema,
  sectionIssues: readonly ConfigIssue[] = [],
): InstanceConfig {
  const fail = (issues: readonly ConfigIssue[]) =>
    new InvalidConfigError('instance config', issues, { file: options.file });
  if (input !== undefined && input !== null && !isPlainObject(input)) {
    throw fail([{ path: '', message: `expected a mapping of settings, got ${typeName(input)}` }]);
  }
  // A copy: freezing the result must never freeze objects the caller still holds.
  const normalized = withoutEmptyValues(cloneData(input ?? {}));
  const parsed = parseWithSchema(schema, normalized, '');
  // Env references are checked on the input as well, so one run reports every problem.
  const envIssues = [
    ...COMPONENT_KEYS.flatMap((key) => envRefIssues(key, normalized[key])),
    ...runLaunchersInputIssues(normalized),
    ...pluginSectionEnvIssues(normalized),
    ...sectionIssues,
  ];
  if (!parsed.ok) throw fail([...parsed.issues, ...envIssues]);

  let config = parsed.data;
  const issues: ConfigIssue[] = envIssues;
  issues.push(...launcherLimitIssues(config));
  if (config.runLaunchers) {
    issues.push(...runLaunchersIssues(config.runLaunchers));
    // `runLauncher` stays the default launcher, for everything that asks for one launcher.
    const chosen = config.runLaunchers.launchers[config.runLaunchers.default];
    if (chosen) config = { ...config, runLauncher: launcherComponent(chosen) };
  }
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
  if (isEnvRef(config)) {
    return [
      {
        path: `${key}.config`,
        message: 'expected an object; { env: NAME } can give single values, not the whole config',
      },
    ];
  }
  return checkEnvRefs(config, `${key}.config`);
}
