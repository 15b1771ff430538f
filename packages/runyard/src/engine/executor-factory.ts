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
