/**
 * Runyard's own building blocks that its sibling packages and tests use but applications should
 * not rely on: no stability promise.
 */

export { BufferedEventWriter, type EventWriterOptions } from './engine/event-writer.js';
export { defaultStatusReason, firstFailedStep, statusNeedsReason } from './runs/status-reason.js';
export { loadSqliteDriver, NAPI_DRIVER_PACKAGE, type SqliteDriver } from './storage/sqlite/sqlite-driver.js';
export { isTransientStorageError } from './storage/transient-storage-error.js';
export { prepareHeartbeatThread, RunHeartbeat, type RunHeartbeatOptions } from './worker/heartbeat/run-heartbeat.js';
