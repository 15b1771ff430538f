import { z } from 'zod';
import { QUEUE_NAME, QUEUE_NAME_RULE, queueConfigSchema } from './queue-config.js';

/**
 * `runLauncher: { class: QueueRunLauncher, config: … }`:
 *
 *   runLauncher:
 *     class: QueueRunLauncher
 *     config:
 *       queue: runs                 # the run queue of runs that name none
 *       queues: [runs, gpu]         # the run queues a run may pick with its `runyard/run_queue` tag
 *       terminateGraceSeconds: 10
 *
 * Redis is the instance's `queue:` section unless `connection` is given here.
 */
const queueName = z.string().regex(QUEUE_NAME, { message: `a queue name is ${QUEUE_NAME_RULE}` });

export const queueRunLauncherConfigSchema = z
  .strictObject({
    /** The run queue of runs whose tags name none. Run queues are apart from step queues. */
    queue: queueName.default('runs'),
    /** Every run queue a run may name in its `runyard/run_queue` tag; default: `queue` alone. */
    queues: z.array(queueName).min(1).optional(),
    /** Redis for this launcher, when it is not the instance's `queue:` section. */
    connection: queueConfigSchema.shape.connection.optional(),
    /** Seconds a run worker has to stop after SIGTERM before its process group is SIGKILLed. */
    terminateGraceSeconds: z.number().nonnegative().default(10),
    /** Seconds a launch or health check waits for Redis before it fails (a launch) or says UNKNOWN (health). */
    redisTimeoutSeconds: z.number().positive().default(30),
    /** Seconds an ended run job (its exit code and stderr tail) is kept for health checks and debugInfo. */
    keepEndedJobsSeconds: z
      .number()
      .int()
      .min(60)
      .default(7 * 24 * 3600),
  })
  .refine((c) => c.queues === undefined || c.queues.includes(c.queue), {
    path: ['queues'],
    message: "must include the default 'queue'",
  });

export type QueueRunLauncherConfig = z.input<typeof queueRunLauncherConfigSchema>;
export type ResolvedQueueRunLauncherConfig = z.output<typeof queueRunLauncherConfigSchema>;
