/**
 * PostgreSQL storage for Runyard: runs, the event log (with LISTEN/NOTIFY push), schedules and
 * daemon leases in one database that every process of an instance shares.
 *
 * In runyard.yaml (the password stays in the environment):
 *
 *   storage:
 *     class: PostgresStorage
 *     config: { url: { env: DATABASE_URL }, schema: runyard, poolSize: 10 }
 *
 * In code:
 *
 *   import { PostgresStorage } from '@runyard/postgres';
 *
 *   const storage = await PostgresStorage.open({ url: { env: 'DATABASE_URL' } });
 *   const run = await storage.runs.createRun({ jobName: 'hello', origin: { codeLocation: './defs.ts', source: 'api' } });
 *   const subscription = await storage.events.onEventsStored(() => console.log('new events'));
 *   await subscription.close();
 *   await storage.dispose();
 */

export { type ConnectionSettings, connectionSettings, PostgresUrlError } from './postgres-connection-settings.js';
export type { PostgresEventLogStorage } from './postgres-event-log-storage.js';
export { LATEST_POSTGRES_SCHEMA_VERSION, POSTGRES_MIGRATIONS, type PostgresMigration } from './postgres-migrations.js';
export { PostgresStorage } from './postgres-storage.js';
export type { PostgresSslConfig, PostgresStorageConfig } from './postgres-storage-config.js';
export { type PostgresStorageConfigSchema, postgresStorageConfigSchema } from './postgres-storage-config-schema.js';
export type { EnvRef, PostgresStorageOptions } from './postgres-storage-options.js';
