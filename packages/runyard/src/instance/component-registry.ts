import type { ComputeLogManager } from '../compute-logs/compute-log-manager.js';
import type { RunCoordinator } from '../coordinator/run-coordinator.js';
import type { IOManager } from '../engine/io-manager.js';
import type { RunLauncher } from '../launcher/run-launcher.js';
import type { Storage } from '../storage/storage.js';
import type { ComponentConfig } from './component-config.js';
import type { ConfigSchema } from './config-issues.js';
import type { InstanceConfig } from './instance-config-types.js';

/**
 * Each kind of pluggable component and the interface its objects implement. The key is also the
 * component's key in runyard.yaml. Kinds whose interface is not written yet are `object`; when one
 * lands, narrow its entry here (or augment this interface from the module that declares it).
 */
export interface ComponentKinds {
  storage: Storage;
  runCoordinator: RunCoordinator;
  runLauncher: RunLauncher;
  computeLogs: ComputeLogManager;
  ioManager: IOManager;
}

export type ComponentKind = keyof ComponentKinds;

/** What a component receives besides its config: a context object, so fields can be added later. */
export interface ComponentContext {
  readonly kind: ComponentKind;
  /** Where the component is in runyard.yaml (`runLauncher`), for messages. */
  readonly key: string;
  /** The instance's home directory (absolute); relative paths in component config are relative to it. */
  readonly home: string;
  /** The component as written, env references unresolved: what its `toConfig()` should give back. */
  readonly raw: ComponentConfig;
  readonly instanceConfig: InstanceConfig;
}

/**
 * A component Runyard ships, named in runyard.yaml by its class alone. `create` may be async
 * (opening a database), which a constructor cannot be; custom classes use `init()` for that.
 */
export interface BuiltinComponent<T, C = unknown> {
  /**
   * Validates the component's `config`. A function that imports the schema keeps the validator
   * (zod) unloaded until some config needs checking. Without one, config is handed over as written.
   */
  readonly configSchema?: ConfigSchema<C> | (() => Promise<ConfigSchema<C>>);
  /**
   * Set when `create` fills in every default itself. Config that was validated before (Runyard's
   * defaults, or the instance a run worker was launched with) is then handed to `create` as
   * written, without loading the schema. Leave unset when `create` relies on what the schema adds.
   */
  readonly defaultsInCreate?: boolean;
  create(config: C, ctx: ComponentContext): T | Promise<T>;
}

/**
 * Built-in components per kind, and the members an object must have to count as that kind (a
 * cheap check that turns "class points at the wrong export" into a config error instead of a
 * TypeError deep inside a service).
 */
export class ComponentRegistry {
  readonly #builtins = new Map<ComponentKind, Map<string, BuiltinComponent<unknown>>>();
  readonly #members = new Map<ComponentKind, readonly string[]>();
  readonly #plugins = new Map<ComponentKind, Map<string, string>>();

  registerBuiltin<K extends ComponentKind, C>(
    kind: K,
    name: string,
    entry: BuiltinComponent<ComponentKinds[K], C>,
  ): void {
    const byName = this.#builtins.get(kind) ?? new Map<string, BuiltinComponent<unknown>>();
    this.#builtins.set(kind, byName);
    // Replacing a built-in silently would make runyard.yaml mean different things depending on import order.
    if (byName.has(name)) throw new Error(`a built-in ${kind} named '${name}' is already registered`);
    byName.set(name, entry as BuiltinComponent<unknown>);
  }

  builtin(kind: ComponentKind, name: string): BuiltinComponent<unknown> | undefined {
    return this.#builtins.get(kind)?.get(name);
  }

  builtinNames(kind: ComponentKind): readonly string[] {
    return [...(this.#builtins.get(kind)?.keys() ?? [])].sort();
  }

  /**
   * Lets runyard.yaml name a class of a plug-in package by class alone (`class: PostgresStorage`),
   * like a built-in. The package is imported only when a config names the class.
   */
  registerPluginClass(kind: ComponentKind, className: string, packageName: string): void {
    const byName = this.#plugins.get(kind) ?? new Map<string, string>();
    this.#plugins.set(kind, byName);
    byName.set(className, packageName);
  }

  /** The package that provides `className`, unless a built-in has that name (built-ins win). */
  pluginPackage(kind: ComponentKind, className: string): string | undefined {
    return this.builtin(kind, className) ? undefined : this.#plugins.get(kind)?.get(className);
  }

  /** Declares the properties or methods every object of `kind` has, checked after creation. */
  requireMembers(kind: ComponentKind, members: readonly string[]): void {
    this.#members.set(kind, Object.freeze([...members]));
  }

  /** The members a `kind` must have (see requireMembers). */
  requiredMembers(kind: ComponentKind): readonly string[] {
    return this.#members.get(kind) ?? [];
  }

  /** The required members `value` lacks; empty when it looks like a `kind`. */
  missingMembers(kind: ComponentKind, value: unknown): string[] {
    const members = this.#members.get(kind) ?? [];
    if (typeof value !== 'object' || value === null) return [...members];
    return members.filter((name) => !(name in value));
  }
}
