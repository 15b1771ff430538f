import { z } from 'zod';
import { NO_CONCURRENCY_LIMIT, QUEUED_RUN_COORDINATOR_DEFAULTS } from './queued-run-coordinator-config.js';

/**
 * The `config` of `runCoordinator: { class: QueuedRunCoordinator }` in runyard.yaml:
 *
 *   runCoordinator:
 *     class: QueuedRunCoordinator
 *     config:
 *       maxConcurrentRuns: 4
 *       tagConcurrencyLimits:
 *         - { key: team, value: data, limit: 1 }
 *         - { key: customer, limit: 2, perUniqueValue: true }
 */

const wholeNumber = (min: number, expected: string) =>
  z
    .number({ error: `expected ${expected}` })
    .int({ error: `expected ${expected}` })
    .min(min, { error: `expected ${expected}` });

export const tagConcurrencyLimitSchema = z
  .strictObject({
    key: z.string().min(1, { error: 'expected a tag key' }),
    value: z.string().optional(),
    limit: wholeNumber(0, 'a whole number ≥ 0'),
    perUniqueValue: z.boolean().optional(),
  })
  .refine((limit) => !(limit.value !== undefined && limit.perUniqueValue), {
    error: 'perUniqueValue gives each value of the key its own limit, so it cannot go with value; drop one of them',
    path: ['perUniqueValue'],
  });

export const queuedRunCoordinatorConfigSchema = z
  .strictObject({
    maxConcurrentRuns: wholeNumber(NO_CONCURRENCY_LIMIT, 'a whole number ≥ 0, or -1 for no limit').default(
      QUEUED_RUN_COORDINATOR_DEFAULTS.maxConcurrentRuns,
    ),
    tagConcurrencyLimits: z.array(tagConcurrencyLimitSchema).default([]),
    launcherConcurrencyLimits: z.record(z.string().min(1), wholeNumber(0, 'a whole number ≥ 0')).default({}),
    dequeueIntervalMs: wholeNumber(1, 'a whole number of milliseconds ≥ 1').default(
      QUEUED_RUN_COORDINATOR_DEFAULTS.dequeueIntervalMs,
    ),
    dequeueParallelism: wholeNumber(1, 'a whole number ≥ 1').default(
      QUEUED_RUN_COORDINATOR_DEFAULTS.dequeueParallelism,
    ),
  })
  .prefault({});
