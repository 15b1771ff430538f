import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { findPostgres, type PostgresServer, startPostgresServer } from './postgres-server.js';

/**
 * `describe` with a PostgreSQL server of its own. Without the server binaries the block is skipped
 * with the reason printed, except under CI=true, where a missing server is a failure: CI must
 * never pass by testing nothing.
 *
 *   describeWithPostgres('PostgresStorage', (server) => {
 *     it('opens', async () => { await PostgresStorage.open({ url: server().url }); });
 *   });
 */
export function describeWithPostgres(name: string, body: (server: () => PostgresServer) => void): void {
  const found = findPostgres();
  if (!found.available) {
    if (process.env.CI === 'true') {
      describe(name, () => {
        it('needs a PostgreSQL server', () => {
          throw new Error(`CI=true and no PostgreSQL to test against: ${found.reason}`);
        });
      });
      return;
    }
    console.warn(`[skipped] ${name}: ${found.reason}`);
    describe.skip(name, () => body(() => unavailable(found.reason)));
    return;
  }
  describe(name, () => {
    let server: PostgresServer | undefined;
    beforeAll(async () => {
      server = await startPostgresServer(found.binDir);
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
    });
    body(() => server ?? unavailable('the server did not start'));
  });
}

function unavailable(reason: string): never {
  throw new Error(reason);
}

/** A schema name no other test uses. */
export function freshSchemaName(prefix = 'test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Runs `sql` as the superuser, outside any storage: to do what Runyard never would. */
export async function adminQuery<R = Record<string, unknown>>(
  server: PostgresServer,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as R[];
  } finally {
    await client.end();
  }
}

export async function dropSchema(server: PostgresServer, schema: string): Promise<void> {
  await adminQuery(server, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}
