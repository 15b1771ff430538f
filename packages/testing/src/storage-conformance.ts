import type { Storage } from 'runyard';
import { afterEach, beforeEach, describe } from 'vitest';
import { describeAwkwardText } from './storage-conformance/awkward-text.js';
import { describeDaemonStorage } from './storage-conformance/daemon.js';
import { describeEventLog } from './storage-conformance/event-log.js';
import { describeLifecycle } from './storage-conformance/lifecycle.js';
import { describeRunCrud } from './storage-conformance/run-crud.js';
import { describeRunTransitions } from './storage-conformance/run-transitions.js';
import { describeScheduleStorage } from './storage-conformance/schedules.js';
import { describeStatusReasons } from './storage-conformance/status-reasons.js';

/**
 * Makes one fresh, empty, migrated storage. Called before every test; `cleanup` runs after the
 * suite has disposed the storage (remove the temp file, drop the schema …).
 */
export type StorageFactory = () => Promise<{ storage: Storage; cleanup?: () => Promise<void> }>;

/**
 * The tests every Runyard storage passes, so the services above storage can rely on one behaviour
 * whichever backend an instance uses.
 *
 *   import { storageConformance } from '@runyard/testing';
 *   import { SqliteStorage } from 'runyard';
 *
 *   storageConformance('SqliteStorage', async () => ({ storage: await SqliteStorage.open({ path: ':memory:' }) }));
 *
 * The suite imports Runyard only through its public entry and compares errors by `name`, never by
 * `instanceof`, since the storage under test may load another copy of the package.
 */
export function storageConformance(name: string, factory: StorageFactory): void {
  describe(name, () => {
    const storage = useFreshStorage(factory);
    describeRunCrud(storage);
    describeRunTransitions(storage);
    describeStatusReasons(storage);
    describeEventLog(storage);
    describeAwkwardText(storage);
    describeScheduleStorage(storage);
    describeDaemonStorage(storage);
    describeLifecycle(storage);
  });
}

/** Registers hooks giving each test its own storage; returns an accessor for the current one. */
function useFreshStorage(factory: StorageFactory): () => Storage {
  let current: Awaited<ReturnType<StorageFactory>> | undefined;
  beforeEach(async () => {
    current = await factory();
  });
  afterEach(async () => {
    const done = current;
    current = undefined;
    if (!done) return;
    try {
      await done.storage.dispose();
    } finally {
      await done.cleanup?.();
    }
  });
  return () => {
    if (!current) throw new Error('storageConformance: no storage outside a test (the factory failed?)');
    return current.storage;
  };
}
