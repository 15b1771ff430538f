import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PostgresStorage } from '@runyard/postgres';
import { toErrorInfo } from 'runyard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.js';
import { describeWithPostgres, dropSchema, freshSchemaName } from './support/with-postgres.js';

const WRONG_PASSWORD = 'wrong-pass-Zq8!xY';

/** Everything an error could show: message, stack, cause chain, data, as core serializes it into events. */
function everything(error: unknown): string {
  return `${String(error)}\n${JSON.stringify(toErrorInfo(error))}`;
}

async function openError(options: Parameters<typeof PostgresStorage.open>[0]): Promise<Error> {
  const error: unknown = await PostgresStorage.open(options).then(
    async (storage) => {
      await storage.dispose();
      throw new Error('expected the storage not to open');
    },
    (e: unknown) => e,
  );
  return error as Error;
}

describeWithPostgres('PostgresStorage keeps the password out of messages', (server) => {
  const wrongUrl = () =>
    `postgresql://postgres:${encodeURIComponent(WRONG_PASSWORD)}@127.0.0.1:${server().port}/runyard_test`;

  describe('in code', () => {
    it('says a wrong password failed, and where, but never which password', async () => {
      const error = await openError({ url: wrongUrl() });
      expect(error).toMatchObject({
        name: 'StorageUnusableError',
        problem: 'access-denied',
        data: { code: '28P01', problem: 'access-denied' },
      });
      expect(error.message).toContain(
        `cannot open PostgreSQL storage at postgresql://postgres@127.0.0.1:${server().port}`,
      );
      expect(error.message).toContain('password authentication failed');
      expect(everything(error)).not.toContain(WRONG_PASSWORD);
      expect(everything(error)).not.toContain(encodeURIComponent(WRONG_PASSWORD));
    });

    it('says a host cannot be found, without the password', async () => {
      const error = await openError({ host: 'no-such-host.invalid', password: WRONG_PASSWORD, user: 'someone' });
      expect(error.message).toContain('postgresql://someone@no-such-host.invalid:5432/someone');
      expect(error.message).toMatch(/ENOTFOUND|EAI_AGAIN|getaddrinfo/);
      expect(everything(error)).not.toContain(WRONG_PASSWORD);
    });

    it('says nothing is listening, without the password', async () => {
      const error = await openError({ url: `postgresql://u:${WRONG_PASSWORD}@127.0.0.1:1/db` });
      expect(error.message).toMatch(/ECONNREFUSED/);
      expect(everything(error)).not.toContain(WRONG_PASSWORD);
    });

    it('rejects a url it cannot parse without repeating it', async () => {
      for (const url of [
        `postgresql://u:${WRONG_PASSWORD}@host:notaport/db`,
        `http://u:${WRONG_PASSWORD}@host/db`,
        `postgresql://u:${WRONG_PASSWORD}@host/db?sslmode=sometimes`,
        `postgresql://u:${WRONG_PASSWORD}@host/db?password_file=x`,
      ]) {
        const error = await openError({ url });
        expect(error.message).toMatch(/url/);
        expect(everything(error)).not.toContain(WRONG_PASSWORD);
      }
    });

    it('scrubs the password out of a server error that repeats it', async () => {
      const schema = freshSchemaName('secrets');
      const storage = await PostgresStorage.open({ url: server().url, schema });
      try {
        // The server quotes a bad value in its message; here the value is the password.
        const echoed = (await storage.events
          .getEvents('x', { afterId: server().password as unknown as number })
          .catch((e: unknown) => e)) as Error & { code?: string };
        expect(echoed.message).toContain('invalid input syntax for type bigint: "***"');
        expect(echoed.code).toBe('22P02');
        expect(everything(echoed)).not.toContain(server().password);
      } finally {
        await storage.dispose();
        await dropSchema(server(), schema);
      }
    });
  });

  describe('through the CLI', () => {
    let home: string;
    let schema: string;

    beforeAll(async () => {
      home = await mkdtemp(path.join(tmpdir(), 'runyard-pg-secrets-'));
      schema = freshSchemaName('secrets_cli');
      const yaml = [
        'storage:',
        '  class: PostgresStorage',
        '  config:',
        '    url: { env: DATABASE_URL }',
        `    schema: ${schema}`,
      ];
      await writeFile(path.join(home, 'runyard.yaml'), `${yaml.join('\n')}\n`);
    });

    afterAll(async () => {
      await rm(home, { recursive: true, force: true });
      await dropSchema(server(), schema);
    });

    it('prints instance info in text and JSON without the password', async () => {
      for (const args of [
        ['instance', 'info'],
        ['instance', 'info', '--json'],
      ]) {
        const result = await runCli(args, { RUNYARD_HOME: home, DATABASE_URL: server().url });
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toContain(
          `postgresql://postgres@127.0.0.1:${server().port}/runyard_test?schema=${schema}`,
        );
        expect(result.stdout + result.stderr).not.toContain(server().password);
      }
    });

    it('fails on a wrong password with a message naming where, exit 2, no password', async () => {
      const result = await runCli(['instance', 'info'], { RUNYARD_HOME: home, DATABASE_URL: wrongUrl() });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('password authentication failed');
      expect(result.stderr).toContain(`postgresql://postgres@127.0.0.1:${server().port}/runyard_test`);
      expect(result.stdout + result.stderr).not.toContain(WRONG_PASSWORD);
    });

    it('fails on a bad host without the password', async () => {
      const url = `postgresql://postgres:${WRONG_PASSWORD}@no-such-host.invalid/runyard_test`;
      const result = await runCli(['instance', 'info', '--json'], { RUNYARD_HOME: home, DATABASE_URL: url });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('no-such-host.invalid');
      expect(result.stdout + result.stderr).not.toContain(WRONG_PASSWORD);
    });

    it('fails on a malformed url without repeating it', async () => {
      const url = `postgresql://postgres:${WRONG_PASSWORD}@host:port/runyard_test`;
      const result = await runCli(['instance', 'info'], { RUNYARD_HOME: home, DATABASE_URL: url });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('storage.config.url');
      expect(result.stdout + result.stderr).not.toContain(WRONG_PASSWORD);
    });
  });
});
