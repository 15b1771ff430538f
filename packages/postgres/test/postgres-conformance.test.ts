import { PostgresStorage } from '@runyard/postgres';
import { storageConformance } from '@runyard/testing';
import { adminQuery, describeWithPostgres, dropSchema, freshSchemaName } from './support/with-postgres.js';

// The suite SQLite passes, unchanged: each test gets a schema of its own, dropped afterwards.
describeWithPostgres('PostgresStorage conformance', (server) => {
  storageConformance('PostgresStorage', async () => {
    const schema = freshSchemaName('conformance');
    await adminQuery(server(), `CREATE SCHEMA ${schema}`);
    const storage = await PostgresStorage.open({ url: server().url, schema, poolSize: 4 });
    return { storage, cleanup: () => dropSchema(server(), schema) };
  });
});
