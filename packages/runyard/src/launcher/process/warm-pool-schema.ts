import { z } from 'zod';

/**
 * `warmPool` under the process launcher's config. Kept apart from warm-pool.ts so that the
 * launcher (and every run worker) loads zod only when a config is checked.
 *
 *   runLauncher:
 *     class: ProcessRunLauncher
 *     config:
 *       warmPool: { size: 2, maxRunsPerProcess: 1, idleTimeoutSeconds: 300, preloadCodeLocation: true }
 */
export const warmPoolConfigSchema = z
  .object({
    size: z
      .number()
      .int('must be a whole number of workers')
      .min(1, 'must be at least 1 (leave warmPool out to have no pool)')
      .max(64, 'must be at most 64: every idle worker holds its memory')
      .optional(),
    maxRunsPerProcess: z.number().int('must be a whole number of runs').min(1, 'must be at least 1').optional(),
    idleTimeoutSeconds: z.number().positive('must be more than 0 seconds').optional(),
    preloadCodeLocation: z.boolean().optional(),
  })
  .strict();
