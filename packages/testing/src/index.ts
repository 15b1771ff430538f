/**
 * Conformance suites for Runyard's extension points: a third-party storage proves it behaves like
 * the built-in ones by running the same tests.
 *
 *   // my-storage.test.ts
 *   import { storageConformance } from '@runyard/testing';
 *   import { MyStorage } from '../src/my-storage.js';
 *
 *   storageConformance('MyStorage', async () => {
 *     const storage = await MyStorage.open({ url: process.env.DATABASE_URL });
 *     return { storage, cleanup: () => dropTestSchema() };
 *   });
 */
export { type StorageFactory, storageConformance } from './storage-conformance.js';
