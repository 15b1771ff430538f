import path from 'node:path';
import type { ConfigIssue } from '../errors.js';
import { importComponentModule } from './component-loader.js';
import { type ConfigSchema, isConfigSchema, parseWithSchema } from './config-issues.js';
import { isPlainObject } from './config-values.js';
import { checkEnvRefs } from './env-ref.js';

/**
 * Top-level runyard.yaml keys that belong to a plug-in package rather than to core: core accepts
 * the key (any mapping) and the package validates what is inside. The package is imported only
 * when the key is present, so an instance without it never loads it.
 *
 *   # runyard.yaml
 *   queue: { connection: { url: { env: REDIS_URL } }, queues: { warehouse: { limit: 4 } } }
 *
 * The package exports `configSections`, an object of section key → a schema (anything with
 * `safeParse`, or a function that resolves to one); issues are reported under the section's key.
 */
export const PLUGIN_SECTIONS = Object.freeze({ queue: '@runyard/queue' } as const);

export type PluginSectionKey = keyof typeof PLUGIN_SECTIONS;
export const PLUGIN_SECTION_KEYS = Object.freeze(Object.keys(PLUGIN_SECTIONS) as PluginSectionKey[]);

/** A section as written: env references unresolved, checked by its package. */
export type PluginSection = Readonly<Record<string, unknown>>;

/** What a plug-in package with sections exports. */
export type PluginConfigSections = Readonly<
  Record<string, ConfigSchema | (() => ConfigSchema | Promise<ConfigSchema>)>
>;

/** Env references that are not names, found without importing anything. */
export function pluginSectionEnvIssues(config: Readonly<Record<string, unknown>>): ConfigIssue[] {
  return PLUGIN_SECTION_KEYS.flatMap((key) => (config[key] === undefined ? [] : checkEnvRefs(config[key], key)));
}

/**
 * Imports the package of every section present and checks the section with its schema. A package
 * that is not installed is an issue at the section's key, saying what to install.
 */
export async function pluginSectionIssues(
  config: Readonly<Record<string, unknown>>,
  file: string | undefined,
): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  for (const key of PLUGIN_SECTION_KEYS) {
    const section = config[key];
    // Absent, empty (`queue:`) or not a mapping (core's schema reports that one).
    if (!isPlainObject(section)) continue;
    const packageName = PLUGIN_SECTIONS[key];
    let mod: Record<string, unknown>;
    try {
      mod = await importComponentModule(packageName, file ? path.dirname(file) : process.cwd());
    } catch (err) {
      issues.push({
        path: key,
        message: `'${key}' is read by the package '${packageName}', which could not be loaded (is it installed? npm install ${packageName}): ${String((err as Error).message ?? err).split('\n')[0]}`,
      });
      continue;
    }
    const sections = mod.configSections;
    const source = isPlainObject(sections) ? sections[key] : undefined;
    const schema = typeof source === 'function' ? await (source as () => unknown)() : source;
    // A mistake in the package, not in the user's file: say so rather than accept anything.
    if (!isConfigSchema(schema)) {
      issues.push({
        path: key,
        message: `the package '${packageName}' has no schema for '${key}' (configSections.${key})`,
      });
      continue;
    }
    const parsed = parseWithSchema(schema, section, key);
    if (!parsed.ok) issues.push(...parsed.issues);
  }
  return issues;
}
