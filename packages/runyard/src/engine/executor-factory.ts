import type { ExecutorConfig } from '../definitions/job.js';
import { isPluginExecutorType, PLUGIN_EXECUTORS } from '../definitions/plugin-executors.js';
import { RunyardError } from '../errors.js';
import type { Executor } from './executor.js';
import { InProcessExecutor } from './in-process-executor.js';

/** Makes the executor a job's `executor` setting names (registerExecutor; a plug-in exports `executors`). */
export type ExecutorFactory = (config: ExecutorConfig) => Executor;

const factories = new Map<ExecutorConfig['type'], ExecutorFactory>([
  ['in_process', (config) => new InProcessExecutor({ maxConcurrent: config.maxConcurrent })],
]);

/**
 * Executors other than the in-process one live in modules the run worker loads only when a job
 * asks for them; they register here so the engine does not import them eagerly.
 */
export function registerExecutor(type: ExecutorConfig['type'], factory: ExecutorFactory): void {
  factories.set(type, factory);
}

export function createExecutor(config: ExecutorConfig): Executor {
  const factory = factories.get(config.type);
  if (!factory) throw new Error(`no executor of type '${config.type}' is available in this process`);
  return factory(config);
}

/**
 * The executor a job's config asks for, as a run worker gets it: the multiprocess and threads
 * executors (and their machinery) are imported only for jobs that use them, and a plug-in's
 * executor type from its package (see loadPluginExecutor).
 *
 *   const executor = await loadExecutor({ type: 'threads', maxConcurrent: 4 });
 */
export async function loadExecutor(config: ExecutorConfig, fromDir: string = process.cwd()): Promise<Executor> {
  if (!factories.has(config.type)) {
    if (config.type === 'multiprocess') await import('./multiprocess/index.js');
    else if (config.type === 'threads') await import('./threads/index.js');
    else await loadPluginExecutor(config.type, fromDir);
  }
  return createExecutor(config);
}

/**
 * Imports the package of a plug-in executor type (see plugin-executors.ts) unless its executor is
 * registered already, and registers the executors it exports. `fromDir` is where the package is
 * looked for when Runyard itself cannot import it (the code location's directory).
 */
export async function loadPluginExecutor(type: ExecutorConfig['type'], fromDir: string): Promise<void> {
  if (factories.has(type) || !isPluginExecutorType(type)) return;
  const packageName = PLUGIN_EXECUTORS[type];
  const { importComponentModule } = await import('../instance/component-loader.js');
  let mod: Record<string, unknown>;
  try {
    mod = await importComponentModule(packageName, fromDir);
  } catch (error) {
    throw new RunyardError(
      `the job's executor '${type}' comes from the package '${packageName}', which could not be loaded (is it installed beside runyard? npm install ${packageName})`,
      { cause: error, userError: true },
    );
  }
  const executors = mod.executors as Record<string, unknown> | undefined;
  const factory = executors?.[type];
  if (typeof factory !== 'function')
    throw new RunyardError(`the package '${packageName}' exports no executor '${type}' (executors.${type})`);
  registerExecutor(type, factory as ExecutorFactory);
}
