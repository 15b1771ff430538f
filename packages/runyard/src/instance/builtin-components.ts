import path from 'node:path';
import { SqliteStorage } from '../storage/sqlite/sqlite-storage.js';
import {
  type BuiltinComponent,
  type ComponentKind,
  type ComponentKinds,
  ComponentRegistry,
} from './component-registry.js';

/**
 * The one registry that runyard.yaml's class names are looked up in. Each built-in component is
 * registered here, in one place, so which names exist never depends on what happened to be
 * imported first. Later kinds add their line below (e.g. 'runLauncher' → 'ProcessRunLauncher').
 */
export const builtinComponents = new ComponentRegistry();

builtinComponents.requireMembers('storage', [
  'runs',
  'events',
  'schedules',
  'daemon',
  'migrate',
  'info',
  'toConfig',
  'dispose',
]);

builtinComponents.registerBuiltin('storage', 'SqliteStorage', {
  configSchema: SqliteStorage.configSchema,
  // The file is relative to the home, so a home can be moved or mounted elsewhere (a container) whole.
  create: (config, ctx) =>
    SqliteStorage.open({ path: config.path === ':memory:' ? config.path : path.resolve(ctx.home, config.path) }),
});

/**
 * Adds a built-in to the default registry, for an application that wants its own class usable by
 * name alone. Plug-in packages do not need this: runyard.yaml names them with `module` + `class`.
 */
export function registerBuiltin<K extends ComponentKind, C>(
  kind: K,
  name: string,
  entry: BuiltinComponent<ComponentKinds[K], C>,
): void {
  builtinComponents.registerBuiltin(kind, name, entry);
}
