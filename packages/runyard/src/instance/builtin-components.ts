import path from 'node:path';
import { z } from 'zod';
import { LocalComputeLogManager } from '../compute-logs/local-compute-log-manager.js';
import { ImmediateRunCoordinator } from '../coordinator/immediate-run-coordinator.js';
import { ProcessRunLauncher } from '../launcher/process/process-run-launcher.js';
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

builtinComponents.requireMembers('runLauncher', ['capabilities', 'launchRun', 'terminate', 'dispose']);
builtinComponents.registerBuiltin('runLauncher', 'ProcessRunLauncher', {
  configSchema: z
    .object({
      terminateGraceSeconds: z.number().min(0).optional(),
      env: z.record(z.string(), z.string()).optional(),
      execArgv: z.array(z.string()).optional(),
    })
    .strict()
    .default({}),
  create: (config) => new ProcessRunLauncher(config),
});

builtinComponents.requireMembers('runCoordinator', ['submitRun']);
builtinComponents.registerBuiltin('runCoordinator', 'ImmediateRunCoordinator', {
  configSchema: z.object({}).strict().default({}),
  create: () => new ImmediateRunCoordinator(),
});

builtinComponents.requireMembers('computeLogs', ['localPaths', 'read', 'delete']);
builtinComponents.registerBuiltin('computeLogs', 'LocalComputeLogManager', {
  configSchema: z.object({ baseDir: z.string().min(1).default('compute_logs') }).strict().default({ baseDir: 'compute_logs' }),
  create: (config, ctx) => new LocalComputeLogManager({ baseDir: path.resolve(ctx.home, config.baseDir) }),
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
