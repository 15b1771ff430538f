import type { ExecutorConfig } from '../definitions/job.js';
import type { Executor } from './executor.js';
import { InProcessExecutor } from './in-process-executor.js';

type ExecutorFactory = (config: ExecutorConfig) => Executor;

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
 * executors (and their machinery) are imported only for jobs that use them.
 *
 *   const executor = await loadExecutor({ type: 'threads', maxConcurrent: 4 });
 */
export async function loadExecutor(config: ExecutorConfig): Promise<Executor> {
  if (!factories.has(config.type)) {
    if (config.type === 'multiprocess') await import('./multiprocess/index.js');
    else if (config.type === 'threads') await import('./threads/index.js');
  }
  return createExecutor(config);
}
