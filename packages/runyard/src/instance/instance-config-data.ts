import { cloneData, deepFreeze, isPlainObject } from './config-values.js';
import { COMPONENT_KEYS, DEFAULT_INSTANCE_CONFIG } from './instance-config-defaults.js';
import type { InstanceConfig } from './instance-config-types.js';
import { PLUGIN_SECTION_KEYS } from './plugin-sections.js';
import { launcherComponent, looksLikeRunLaunchers, type RunLaunchersConfig } from './run-launchers-config.js';

/**
 * The config as plain, mutable data, ready for YAML or JSON: env references as written (never
 * their values), every default spelt out, no `file`.
 */
export function instanceConfigData(config: InstanceConfig): Record<string, unknown> {
  const { file: _file, ...rest } = config;
  const data = cloneData(rest as Record<string, unknown>);
  // With named launchers, `runLauncher` is derived from them: writing both would not load again.
  if (data.runLaunchers === undefined) delete data.runLaunchers;
  else delete data.runLauncher;
  return data;
}

/**
 * Config that another Runyard process validated and wrote out (`Instance.serialize()`), taken
 * without running the validator again: a run worker starts on every launch, and the validator
 * (zod) would be the largest part of its startup.
 *
 * Only data of exactly the shape `instanceConfigData` writes is taken: every section present with
 * every key, each value of its default's type, components with a class. Anything else, such as a
 * hand-written RUNYARD_INSTANCE or one from another version, gives undefined, and the caller
 * validates it in full (which also words the error). Takes ownership of `data`: it is frozen.
 */
export function trustedInstanceConfig(data: unknown, file: string | undefined): InstanceConfig | undefined {
  if (!isPlainObject(data)) return undefined;
  // Plug-in sections were checked by their packages in the writing process; each is a mapping.
  const present = PLUGIN_SECTION_KEYS.filter((key) => data[key] !== undefined);
  if (present.length) {
    if (!present.every((key) => isPlainObject(data[key]))) return undefined;
    const core = Object.fromEntries(Object.entries(data).filter(([key]) => !present.includes(key as never)));
    const trusted = trustedInstanceConfig(core, file);
    return trusted && deepFreeze({ ...trusted, ...Object.fromEntries(present.map((key) => [key, data[key]])) });
  }
  const named = data.runLaunchers;
  if (named !== undefined) {
    const { runLaunchers: _named, ...single } = data;
    if (!looksLikeRunLaunchers(named) || data.runLauncher !== undefined) return undefined;
    const chosen = (named as RunLaunchersConfig).launchers[(named as RunLaunchersConfig).default];
    if (!chosen) return undefined;
    const trusted = trustedInstanceConfig({ ...single, runLauncher: launcherComponent(chosen) }, file);
    return trusted && deepFreeze({ ...trusted, runLaunchers: named as RunLaunchersConfig });
  }
  if (!sameKeys(data, DEFAULT_INSTANCE_CONFIG)) return undefined;
  for (const [key, value] of Object.entries(data)) {
    const ok = (COMPONENT_KEYS as readonly string[]).includes(key)
      ? isComponent(value)
      : isSection(value, (DEFAULT_INSTANCE_CONFIG as unknown as Record<string, Record<string, unknown>>)[key]);
    if (!ok) return undefined;
  }
  return deepFreeze({ ...(data as unknown as InstanceConfig), ...(file ? { file } : {}) });
}

function isComponent(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  const { module, class: className, config, ...rest } = value;
  return (
    Object.keys(rest).length === 0 &&
    typeof className === 'string' &&
    className !== '' &&
    (module === undefined || (typeof module === 'string' && module !== '')) &&
    (config === undefined || isPlainObject(config))
  );
}

function isSection(value: unknown, defaults: Record<string, unknown> | undefined): boolean {
  if (!isPlainObject(value) || defaults === undefined || !sameKeys(value, defaults)) return false;
  return Object.entries(value).every(([key, item]) => typeof item === typeof defaults[key]);
}

function sameKeys(value: object, reference: object): boolean {
  const keys = Object.keys(value);
  const expected = Object.keys(reference);
  return keys.length === expected.length && expected.every((key) => Object.hasOwn(value, key));
}
