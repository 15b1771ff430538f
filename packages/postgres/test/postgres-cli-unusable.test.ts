import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CliResult, runCli } from './support/run-cli.js';
import { describeWithPostgres } from './support/with-postgres.js';

const WRONG_PASSWORD = 'not-the-password-7Kq';

/**
 * PostgreSQL storage that cannot be opened, through the real CLI: the message names the server
 * (host, port), the database and the user, says what is wrong and what to do; exit 2, no stack
 * trace, never the password.
 */
describeWithPostgres('runyard CLI on PostgreSQL storage it cannot open', (server) => {
  let home: string;

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'runyard-pg-unusable-'));
    await writeFile(
      path.join(home, 'runyard.yaml'),
      'storage:\n  class: PostgresStorage\n  config:\n    url: { env: DATABASE_URL }\n',
    );
  });

  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  const runWith = (url: string) => runCli(['run', 'list'], { RUNYARD_HOME: home, DATABASE_URL: url });

  function expectMessage(result: CliResult, parts: readonly string[], secret: string): void {
    expect(result.code, result.stderr).toBe(2);
    for (const part of parts) expect(result.stderr).toContain(part);
    expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(result.stderr).not.toContain(secret);
    expect(result.stdout).toBe('');
  }

  it('a server that is not there', async () => {
    const result = await runWith(`postgresql://postgres:${server().password}@127.0.0.1:1/runyard_test`);
    expectMessage(
      result,
      [
        'postgresql://postgres@127.0.0.1:1/runyard_test',
        'the server at 127.0.0.1:1 cannot be reached (connect ECONNREFUSED',
        'check that PostgreSQL is running there and that the host and port',
      ],
      server().password,
    );
  });

  it('a wrong password', async () => {
    const result = await runWith(`postgresql://postgres:${WRONG_PASSWORD}@127.0.0.1:${server().port}/runyard_test`);
    expectMessage(
      result,
      [
        `the server at 127.0.0.1:${server().port} refused user 'postgres' on database 'runyard_test'`,
        'password authentication failed',
        'check the user and password',
      ],
      WRONG_PASSWORD,
    );
  });

  it('a database that does not exist', async () => {
    const result = await runWith(`postgresql://postgres:${server().password}@127.0.0.1:${server().port}/no_such_db`);
    expectMessage(
      result,
      [
        `the server at 127.0.0.1:${server().port} has no database 'no_such_db'`,
        `create it (\`createdb -h 127.0.0.1 -p ${server().port} no_such_db\`) or fix the database name`,
      ],
      server().password,
    );
  });
});
