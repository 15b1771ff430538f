import { DefinitionError } from '../errors.js';

/**
 * Limits of each step thread of the `threads` executor, as Node's worker_threads take them
 * (`new Worker(file, { resourceLimits })`). A step that goes past its thread's heap limit fails
 * as out of memory, and its thread is replaced; the run goes on with its other steps.
 */
export interface ThreadResourceLimits {
  /** The thread's main heap, in MB. Default: the run worker's own limit. */
  readonly maxOldGenerationSizeMb?: number;
  /** The heap for new objects, in MB. Default: V8's. */
  readonly maxYoungGenerationSizeMb?: number;
  /** The thread's stack, in MB. Default 4. */
  readonly stackSizeMb?: number;
}

const LIMIT_KEYS = ['maxOldGenerationSizeMb', 'maxYoungGenerationSizeMb', 'stackSizeMb'] as const;

/** Checks a job's `executor.resourceLimits`; a mistake names the job, the key and the value. */
export function validateThreadResourceLimits(jobName: string, limits: unknown): ThreadResourceLimits {
  const where = `job '${jobName}': executor.resourceLimits`;
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits))
    throw new DefinitionError(`${where} must be an object, got ${JSON.stringify(limits)}`);
  for (const [key, value] of Object.entries(limits)) {
    if (!(LIMIT_KEYS as readonly string[]).includes(key))
      throw new DefinitionError(`${where}: unknown key '${key}' (known keys: ${LIMIT_KEYS.join(', ')})`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
      throw new DefinitionError(`${where}.${key} must be a number of MB > 0, got ${JSON.stringify(value)}`);
  }
  return Object.freeze({ ...(limits as ThreadResourceLimits) });
}
