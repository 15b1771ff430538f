/**
 * The multiprocess executor: each step attempt in its own child process. Importing this module
 * registers it, so jobs with `executor: { type: 'multiprocess' }` can run:
 *
 *   import 'runyard/…/engine/multiprocess/index.js';   // the run worker does this
 *   const etl = job({ name: 'etl', executor: { type: 'multiprocess', maxConcurrent: 4 }, graph });
 *   const quick = job({ name: 'quick', executor: { type: 'multiprocess', maxStepsPerProcess: 10 }, graph });
 */
import { registerExecutor } from '../executor-factory.js';
import { MultiprocessExecutor } from './multiprocess-executor.js';

export {
  FileSystemIOManager,
  OUTPUTS_DIR,
  OutputNotFoundError,
  OutputNotSerializableError,
} from '../fs-io-manager.js';
export type * from './messages.js';
export {
  DEFAULT_TERMINATE_GRACE_MS,
  MultiprocessExecutor,
  type MultiprocessExecutorOptions,
  stepProcessEntry,
} from './multiprocess-executor.js';

/** Makes `{ type: 'multiprocess' }` available to createExecutor(); safe to call more than once. */
export function registerMultiprocessExecutor(): void {
  registerExecutor(
    'multiprocess',
    (config) =>
      new MultiprocessExecutor({
        maxConcurrent: config.maxConcurrent,
        maxStepsPerProcess: config.maxStepsPerProcess,
      }),
  );
}

registerMultiprocessExecutor();
