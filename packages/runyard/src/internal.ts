/**
 * Runyard's own building blocks that its sibling packages and tests use but applications should
 * not rely on: no stability promise.
 */

export { BufferedEventWriter, type EventWriterOptions } from './engine/event-writer.js';
export { expandMapSource } from './engine/map-expansion.js';
export type { RunStepMessage, StepProcessBoot } from './engine/multiprocess/messages.js';
export { inheritedConditions, stepProcessEntry } from './engine/multiprocess/multiprocess-executor.js';
export { StepProcessHandle, type StepProcessOutcome } from './engine/multiprocess/step-process-handle.js';
export { inputSources, type StepInputSource } from './engine/step-inputs.js';
export { emitStepFailure, emitStepsSkipped, runStepWithRetries } from './engine/step-retry.js';
export { type PlannedStep, StepScheduler } from './engine/step-scheduler.js';
export { defaultStatusReason, firstFailedStep, statusNeedsReason } from './runs/status-reason.js';
export { loadSqliteDriver, NAPI_DRIVER_PACKAGE, type SqliteDriver } from './storage/sqlite/sqlite-driver.js';
export { isTransientStorageError } from './storage/transient-storage-error.js';
export { prepareHeartbeatThread, RunHeartbeat, type RunHeartbeatOptions } from './worker/heartbeat/run-heartbeat.js';
