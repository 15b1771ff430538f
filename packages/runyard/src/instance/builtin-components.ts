import path from 'node:path';
import type { QueuedRunCoordinatorConfig } from '../coordinator/queued-run-coordinator-config.js';
import type { ProcessRunLauncherConfig } from '../launcher/process/process-run-launcher.js';
import { DEFAULT_SQLITE_PATH, type SqliteStorageConfig } from '../storage/sqlite/sqlite-storage-config.js';
import {
  type BuiltinComponent,
  type ComponentKind,
  type ComponentKinds,
  ComponentRegistry,
} from './component-registry.js';
import { DEFAULT_COMPUTE_LOGS_DIR } from './instance-config-defaults.js';

/**
 * The one registry that runyard.yaml's class names are looked up in. Each built-in component is
 * registered here, in one place, so which names exist never depends on what happened to be
 * imported first. Later kinds add their line below (e.g. 'runLauncher' → 'ProcessRunLauncher').
 *
 * Classes and schemas are imported when a component is created or its config checked, not here:
 * a run worker needs only its storage, and config it was launched with needs no schema. So each
 * `create` fills in its own defaults (`defaultsInCreate`), from the same constants the schemas use.
 */
export const builtinComponents = new ComponentRegistry();

const schemas = () => import('./builtin-component-schemas.js');

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
  configSchema: async () => (await import('../storage/sqlite/sqlite-storage.js')).SqliteStorage.loadConfigSchema(),
  defaultsInCreate: true,
  create: async (config: Partial<SqliteStorageConfig>, ctx) => {
    const { SqliteStorage } = await import('../storage/sqlite/sqlite-storage.js');
    const file = config.path ?? DEFAULT_SQLITE_PATH;
    // The file is relative to the home, so a home can be moved or mounted elsewhere (a container) whole.
    return SqliteStorage.open({ path: file === ':memory:' ? file : path.resolve(ctx.home, file) });
  },
});

builtinComponents.requireMembers('runLauncher', ['capabilities', 'launchRun', 'terminate', 'dispose']);
builtinComponents.registerBuiltin('runLauncher', 'ProcessRunLauncher', {
  configSchema: async () => (await schemas()).processRunLauncherConfigSchema,
  // The launcher applies its own defaults (terminateGraceSeconds) to what it is given.
  defaultsInCreate: true,
  create: async (config: ProcessRunLauncherConfig) => {
    const { ProcessRunLauncher } = await import('../launcher/process/process-run-launcher.js');
    return new ProcessRunLauncher(config);
  },
});

builtinComponents.requireMembers('runCoordinator', ['submitRun']);
builtinComponents.registerBuiltin('runCoordinator', 'ImmediateRunCoordinator', {
  configSchema: async () => (await schemas()).immediateRunCoordinatorConfigSchema,
  defaultsInCreate: true,
  create: async () => {
    const { ImmediateRunCoordinator } = await import('../coordinator/immediate-run-coordinator.js');
    return new ImmediateRunCoordinator();
  },
});

builtinComponents.registerBuiltin('runCoordinator', 'QueuedRunCoordinator', {
  configSchema: async () => (await schemas()).queuedRunCoordinatorConfigSchema,
  defaultsInCreate: true, // the constructor fills in every default
  create: async (config: QueuedRunCoordinatorConfig, ctx) => {
    const { QueuedRunCoordinator } = await import('../coordinator/queued-run-coordinator.js');
    return new QueuedRunCoordinator(config, ctx);
  },
});

builtinComponents.requireMembers('computeLogs', ['localPaths', 'read', 'delete']);
builtinComponents.registerBuiltin('computeLogs', 'LocalComputeLogManager', {
  configSchema: async () => (await schemas()).localComputeLogManagerConfigSchema,
  defaultsInCreate: true,
  create: async (config: { baseDir?: string }, ctx) => {
    const { LocalComputeLogManager } = await import('../compute-logs/local-compute-log-manager.js');
    return new LocalComputeLogManager({ baseDir: path.resolve(ctx.home, config.baseDir ?? DEFAULT_COMPUTE_LOGS_DIR) });
  },
});

builtinComponents.requireMembers('ioManager', ['storeOutput', 'loadOutput', 'hasOutput']);
builtinComponents.registerBuiltin('ioManager', 'FileSystemIOManager', {
  configSchema: async () => (await schemas()).fileSystemIOManagerConfigSchema,
  defaultsInCreate: true,
  create: async (config: { baseDir?: string }, ctx) => {
    const { FileSystemIOManager, OUTPUTS_DIR } = await import('../engine/fs-io-manager.js');
    // Relative to the home, like the compute logs: the outputs move with it.
    return new FileSystemIOManager(path.resolve(ctx.home, config.baseDir ?? OUTPUTS_DIR));
  },
});

// Runyard's plug-in packages: named by class alone in runyard.yaml, imported only when named.
builtinComponents.registerPluginClass('storage', 'PostgresStorage', '@runyard/postgres');
builtinComponents.registerPluginClass('runLauncher', 'DockerRunLauncher', '@runyard/docker');
builtinComponents.registerPluginClass('runLauncher', 'K8sRunLauncher', '@runyard/k8s');
builtinComponents.registerPluginClass('runLauncher', 'EcsRunLauncher', '@runyard/aws');
builtinComponents.registerPluginClass('runLauncher', 'QueueRunLauncher', '@runyard/queue');
builtinComponents.registerPluginClass('ioManager', 'S3IOManager', '@runyard/aws');

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
