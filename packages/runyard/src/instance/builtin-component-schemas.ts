import { z } from 'zod';
import { OUTPUTS_DIR } from '../engine/fs-io-manager.js';
import { warmPoolConfigSchema } from '../launcher/process/warm-pool-schema.js';
import { DEFAULT_COMPUTE_LOGS_DIR } from './instance-config-defaults.js';

/**
 * The config schemas of the built-in components other than storage (SqliteStorage's is beside it).
 * builtin-components.ts imports this module only when some config needs checking: an instance
 * with no runyard.yaml, and every run worker, never load zod for them.
 */

export const processRunLauncherConfigSchema = z
  .object({
    terminateGraceSeconds: z.number().min(0).optional(),
    env: z.record(z.string(), z.string()).optional(),
    execArgv: z.array(z.string()).optional(),
    warmPool: warmPoolConfigSchema.optional(),
  })
  .strict()
  .default({});

export const immediateRunCoordinatorConfigSchema = z.object({}).strict().default({});

export const localComputeLogManagerConfigSchema = z
  .object({ baseDir: z.string().min(1).default(DEFAULT_COMPUTE_LOGS_DIR) })
  .strict()
  .default({ baseDir: DEFAULT_COMPUTE_LOGS_DIR });

/** `baseDir` is relative to the instance home unless absolute. */
export const fileSystemIOManagerConfigSchema = z
  .object({ baseDir: z.string().min(1).default(OUTPUTS_DIR) })
  .strict()
  .default({ baseDir: OUTPUTS_DIR });

export { queuedRunCoordinatorConfigSchema } from '../coordinator/queued-run-coordinator-schema.js';
