import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ConfigIssue, InvalidConfigError, RunyardError } from '../errors.js';
import { builtinComponents } from './builtin-components.js';
import type { ComponentConfig } from './component-config.js';
import { missingMethodsIssue } from './component-interface.js';
import type { ComponentContext, ComponentKind, ComponentKinds, ComponentRegistry } from './component-registry.js';
import { type ConfigSchema, isConfigSchema, parseWithSchema } from './config-issues.js';
import { typeName } from './config-values.js';
import { resolveEnvRefs } from './env-ref.js';
import type { InstanceConfig } from './instance-config-types.js';
import { resolvePackageFrom } from './package-resolver.js';

/**
 * Turns `{ module?, class, config? }` into a live component, for every kind alike:
 *
 *   const launcher = await loadComponent('runLauncher', config.runLauncher, { home, instanceConfig: config });
 *
 * Built-ins come from a registry by class name; custom classes are imported from `module` and built
 * with `new Class(validatedConfig, context)`, then `await init()` when they have one. Loading is
 * split from creating so that a caller can check every component before it writes anything.
 */

export interface ComponentLoadOptions {
  readonly home: string;
  /** Gives the file for messages and for relative `module` paths (its directory, else `home`). */
  readonly instanceConfig: InstanceConfig;
  /** The component's key path in runyard.yaml. Default: the kind. */
  readonly key?: string;
  /** Default: the built-ins Runyard ships. */
  readonly registry?: ComponentRegistry;
  /** Where `{ env: NAME }` is looked up. Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * The component's config was validated before: it is Runyard's defaults, or comes from the
   * instance that launched this process. Built-ins that fill in their own defaults then skip their
   * schema, unless the config reads this process's environment. Custom classes are always checked.
   */
  readonly trusted?: boolean;
}

/** A component whose class is found and whose config is valid, ready to create. */
export interface PreparedComponent<T> {
  readonly kind: ComponentKind;
  readonly className: string;
  readonly module: string | undefined;
  create(): Promise<T>;
}

type ComponentClass = (new (config: unknown, ctx: ComponentContext) => unknown) & { readonly configSchema?: unknown };

interface Target {
  /** How messages name it: `'Foo' from './foo.js'`. */
  readonly label: string;
  readonly configSchema?: ConfigSchema | (() => Promise<ConfigSchema>);
  construct(config: unknown, ctx: ComponentContext): Promise<unknown>;
  /** Custom classes get `init()` awaited; built-ins finish their async work in `create`. */
  readonly custom: boolean;
  /** `construct` copes with config that has not been through the schema (see BuiltinComponent). */
  readonly defaultsInCreate: boolean;
  /** A custom class, checked for its kind's methods before anything is created. */
  readonly Class?: ComponentClass;
}

export async function loadComponent<K extends ComponentKind>(
  kind: K,
  component: ComponentConfig,
  options: ComponentLoadOptions,
): Promise<ComponentKinds[K]> {
  return (await prepareComponent(kind, component, options)).create();
}

/**
 * Finds the class and validates the config (env references resolved), reporting every problem in
 * one InvalidConfigError with key paths. Nothing is constructed yet.
 */
export async function prepareComponent<K extends ComponentKind>(
  kind: K,
  component: ComponentConfig,
  options: ComponentLoadOptions,
): Promise<PreparedComponent<ComponentKinds[K]>> {
  const key = options.key ?? kind;
  const registry = options.registry ?? builtinComponents;
  const file = options.instanceConfig.file;
  const fail = (issues: readonly ConfigIssue[]) => new InvalidConfigError('instance config', issues, { file });
  const baseDir = file ? path.dirname(file) : options.home;

  const plugin = component.module === undefined ? registry.pluginPackage(kind, component.class) : undefined;
  const target = plugin
    ? await customTarget(key, plugin, component.class, baseDir, fail, { plugin: true })
    : component.module === undefined
      ? builtinTarget(registry, kind, key, component.class, fail)
      : await customTarget(key, component.module, component.class, baseDir, fail);
  const lacking = target.Class && missingMethodsIssue(registry, kind, target.Class, key, target.label);
  if (lacking) throw fail([lacking]);

  const configPath = `${key}.config`;
  const resolved = resolveEnvRefs(component.config ?? {}, configPath, options.env ?? process.env);
  const issues: ConfigIssue[] = [...resolved.issues];
  let config = resolved.value;
  // Values read from this process's environment were never seen by whoever validated the config.
  const skipSchema = options.trusted === true && target.defaultsInCreate && !resolved.hasRefs;
  const schema = skipSchema ? undefined : await loadSchema(target);
  if (schema) {
    const parsed = parseWithSchema(schema, resolved.value, configPath);
    if (parsed.ok) config = parsed.data;
    // A missing variable also fails the schema at the same key; say it once, the useful way.
    else issues.push(...parsed.issues.filter((i) => !resolved.issues.some((e) => isWithin(i.path, e.path))));
  }
  if (issues.length) throw fail(issues);

  const ctx: ComponentContext = Object.freeze({
    kind,
    key,
    home: options.home,
    raw: component,
    instanceConfig: options.instanceConfig,
  });
  return {
    kind,
    className: component.class,
    module: component.module,
    async create() {
      let created: unknown;
      try {
        created = await target.construct(config, ctx);
      } catch (err) {
        throw creationError(err, key, target.label);
      }
      const missing = registry.missingMembers(kind, created);
      if (missing.length) {
        throw fail([
          { path: `${key}.class`, message: `${target.label} is not a ${kind}: it lacks ${missing.join(', ')}` },
        ]);
      }
      const init = (created as { init?: unknown }).init;
      if (target.custom && typeof init === 'function') {
        try {
          await init.call(created);
        } catch (err) {
          // Release what init() opened before it failed; a failing dispose would only hide the cause.
          const dispose = (created as { dispose?: () => unknown }).dispose;
          await Promise.resolve()
            .then(() => dispose?.call(created))
            .catch(() => undefined);
          throw creationError(err, key, target.label);
        }
      }
      return created as ComponentKinds[K];
    },
  };
}

function builtinTarget(
  registry: ComponentRegistry,
  kind: ComponentKind,
  key: string,
  className: string,
  fail: (issues: readonly ConfigIssue[]) => Error,
): Target {
  const entry = registry.builtin(kind, className);
  if (!entry) {
    const names = registry.builtinNames(kind);
    const list = names.length ? names.join(', ') : 'none yet';
    throw fail([
      {
        path: `${key}.class`,
        message: `unknown class '${className}'; built-ins: ${list}; custom classes need 'module'`,
      },
    ]);
  }
  return {
    label: `'${className}'`,
    configSchema: entry.configSchema,
    custom: false,
    defaultsInCreate: entry.defaultsInCreate === true,
    construct: async (config, ctx) => entry.create(config, ctx),
  };
}

async function customTarget(
  key: string,
  specifier: string,
  className: string,
  baseDir: string,
  fail: (issues: readonly ConfigIssue[]) => Error,
  options: { readonly plugin?: boolean } = {},
): Promise<Target> {
  let mod: Record<string, unknown>;
  try {
    mod = await importComponentModule(specifier, baseDir);
  } catch (err) {
    const error = options.plugin
      ? fail([
          {
            path: `${key}.class`,
            message: `'${className}' comes from the package '${specifier}', which could not be loaded (is it installed? npm install ${specifier}): ${firstLine(err)}`,
          },
        ])
      : fail([{ path: `${key}.module`, message: `cannot load '${specifier}': ${firstLine(err)}` }]);
    error.cause = err;
    throw error;
  }
  const exported = namedExport(mod, className);
  if (exported === undefined) {
    const names = Object.keys(mod).filter((name) => name !== 'default');
    const has = names.length ? `it exports ${names.join(', ')}` : 'it has no named exports';
    throw fail([{ path: `${key}.class`, message: `'${specifier}' has no export '${className}' (${has})` }]);
  }
  if (typeof exported !== 'function' || exported.prototype === undefined) {
    throw fail([
      {
        path: `${key}.class`,
        message: `export '${className}' of '${specifier}' is not a class (got ${typeName(exported)})`,
      },
    ]);
  }
  const Class = exported as ComponentClass;
  const schema = Class.configSchema;
  if (schema !== undefined && !isConfigSchema(schema)) {
    throw fail([
      { path: `${key}.class`, message: `${className}.configSchema must have a safeParse() method (e.g. a zod schema)` },
    ]);
  }
  return {
    label: `'${className}' from '${specifier}'`,
    configSchema: schema,
    custom: true,
    defaultsInCreate: false,
    Class,
    construct: async (config, ctx) => new Class(config, ctx),
  };
}

/** A built-in's schema may be a function that imports it (so zod loads only when needed). */
async function loadSchema(target: Target): Promise<ConfigSchema | undefined> {
  const source = target.configSchema;
  if (source === undefined || isConfigSchema(source)) return source;
  const schema = await source();
  // A mistake in Runyard or in an application's registerBuiltin(), not in the user's config.
  if (!isConfigSchema(schema)) throw new RunyardError(`the config schema of ${target.label} has no safeParse() method`);
  return schema;
}

/**
 * `./x.js`, `../x.js` and absolute paths are files relative to the config's directory; anything
 * else is a package. A package is imported as Runyard itself would import it, and when that fails
 * (Runyard installed globally, the plug-in in the project) it is looked up from the config's directory.
 */
export async function importComponentModule(specifier: string, baseDir: string): Promise<Record<string, unknown>> {
  if (isPathLike(specifier)) {
    const url = specifier.startsWith('file:') ? specifier : pathToFileURL(path.resolve(baseDir, specifier)).href;
    return import(url);
  }
  try {
    return await import(specifier);
  } catch (err) {
    const resolved = await resolvePackageFrom(specifier, baseDir);
    if (resolved === undefined) throw err;
    return import(pathToFileURL(resolved).href);
  }
}

function isPathLike(specifier: string): boolean {
  return (
    specifier.startsWith('./') ||
    specifier.startsWith('../') ||
    specifier.startsWith('file:') ||
    path.isAbsolute(specifier)
  );
}

/** Named exports first; CommonJS modules may only offer them as properties of `default`. */
function namedExport(mod: Record<string, unknown>, name: string): unknown {
  if (mod[name] !== undefined) return mod[name];
  const fallback = mod.default;
  if (
    (typeof fallback === 'object' || typeof fallback === 'function') &&
    fallback !== null &&
    Object.hasOwn(fallback, name)
  ) {
    return (fallback as Record<string, unknown>)[name];
  }
  return undefined;
}

/** A RunyardError already says what went wrong (e.g. a storage schema too new); others get the key. */
function creationError(err: unknown, key: string, label: string): Error {
  if (err instanceof RunyardError) return err;
  return new RunyardError(`${key}: could not create ${label}: ${firstLine(err)}`, { cause: err, data: { key } });
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // Node names the importing file, which here is always this loader: noise to the user.
  return (message.split('\n', 1)[0] ?? message).replace(/ imported from \S+$/, '');
}

function isWithin(issuePath: string, prefix: string): boolean {
  return issuePath === prefix || issuePath.startsWith(`${prefix}.`) || issuePath.startsWith(`${prefix}[`);
}
