/**
 * The threads executor: step attempts in a pool of worker threads that load the job once.
 * Importing this module registers it, so jobs with `executor: { type: 'threads' }` can run:
 *
 *   import 'runyard/…/engine/threads/index.js';   // the run worker does this when a job asks
 *   const etl = job({ name: 'etl', executor: { type: 'threads', maxConcurrent: 4 }, graph });
 */
import { registerExecutor } from '../executor-factory.js';
import { ThreadsExecutor } from './threads-executor.js';

export {
  DEFAULT_THREAD_TERMINATE_GRACE_MS,
  stepThreadEntry,
  ThreadsExecutor,
  type ThreadsExecutorOptions,
} from './threads-executor.js';

/** Makes `{ type: 'threads' }` available to createExecutor(); safe to call more than once. */
export function registerThreadsExecutor(): void {
  registerExecutor(
    'threads',
    (config) =>
      new ThreadsExecutor({
        maxConcurrent: config.maxConcurrent,
        ...(config.resourceLimits ? { resourceLimits: config.resourceLimits } : {}),
      }),
  );
}

registerThreadsExecutor();
