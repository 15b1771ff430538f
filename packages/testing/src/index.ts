/**
 * Conformance suites for Runyard's extension points. Each is a vitest `describe` block that a
 * storage, launcher, executor or IO manager implementation runs against itself:
 *
 *   import { runLauncherConformance, storageConformance } from '@runyard/testing';
 *   storageConformance('MyStorage', async () => ({ storage: await MyStorage.open(...) }));
 */

export { EXECUTOR_CONFORMANCE_JOBS, executorConformance } from './executor-conformance.js';
export { type IOManagerConformanceSetup, ioManagerConformance } from './io-manager-conformance.js';
export {
  CONFORMANCE_JOBS,
  type LauncherConformanceOptions,
  type LauncherConformanceSetup,
  runLauncherConformance,
} from './launcher-conformance.js';
export { type StorageFactory, storageConformance } from './storage-conformance.js';
