/**
 * Runyard's queues: steps on BullMQ worker pools across machines, with limits per queue.
 *
 *   # runyard.yaml
 *   queue: { connection: { url: { env: REDIS_URL } }, queues: { warehouse: { limit: 4 } } }
 *
 *   // a job whose ready steps go to queues; an op picks its queue with a tag
 *   const load = op({ name: 'load', tags: { 'runyard/queue': 'warehouse' }, run: … });
 *   export const etl = job({ name: 'etl', executor: { type: 'queue' }, graph: () => load() });
 *
 *   $ runyard queue worker --queues warehouse,default --concurrency 8   # on any number of machines
 *
 * bullmq and ioredis are peer dependencies, imported the first time something talks to Redis.
 * See docs/queues.md.
 */

export { queueCommand } from './cli/queue-command.js';
export {
  type BullJob,
  type BullmqModule,
  type BullQueue,
  connectRedis,
  loadBullmq,
  type RedisClient,
} from './queue-client.js';
export {
  configSections,
  QUEUE_NAME,
  type QueueConfig,
  type QueueConfigInput,
  queueConfigOf,
  queueConfigSchema,
  redactedUrl,
  redisUrl,
} from './queue-config.js';
export { bullQueueName, parseBullQueueName, type QueueKind, redisKeys, runJobId, stepJobId } from './queue-names.js';
export { QueueRunLauncher, type RunJobLocation } from './queue-run-launcher.js';
export {
  type QueueRunLauncherConfig,
  queueRunLauncherConfigSchema,
  type ResolvedQueueRunLauncherConfig,
} from './queue-run-launcher-config.js';
export { QueueStepExecutor } from './queue-step-executor.js';
export { type QueueWorkerRef, RUN_QUEUE_TAG, type RunHolder, type RunJobResult } from './run-job.js';
export { PRIORITY_TAG, QUEUE_TAG, type StepJobData, type StepJobResult } from './step-job.js';
export { listWorkers, type WorkerRegistration } from './worker-registry.js';

import { QueueStepExecutor } from './queue-step-executor.js';

/** The executors this package provides; core registers them when a job names `queue`. */
export const executors = Object.freeze({ queue: () => new QueueStepExecutor() });
