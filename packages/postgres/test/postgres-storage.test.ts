import { PostgresStorage, postgresStorageConfigSchema } from '@runyard/postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { adminQuery, describeWithPostgres, dropSchema, freshSchemaName } from './support/with-postgres.js';

const ORIGIN = { codeLocation: '/defs.ts', source: 'test' } as const;

describeWithPostgres('PostgresStorage', (server) => {
  const opened: PostgresStorage[] = [];
  const schemas: string[] = [];

  function schemaName(): string {
    const schema = freshSchemaName();
    schemas.push(schema);
    return schema;
  }

  async function open(schema: string, options: { autoMigrate?: boolean } = {}): Promise<PostgresStorage> {
    const storage = await PostgresStorage.open({ url: server().url, schema, ...options });
    opened.push(storage);
    return storage;
  }

  afterEach(async () => {
    for (const storage of opened.splice(0)) await storage.dispose();
    for (const schema of schemas.splice(0)) await dropSchema(server(), schema);
  });

  describe('opening', () => {
    it('creates a missing schema, migrates it, and says where it is without the password', async () => {
      const schema = schemaName();
      const storage = await open(schema);
      expect(storage.migrationOnOpen).toEqual({ from: 0, to: 1, applied: ['create-runs-events-schedules-daemon'] });
      const info = await storage.info();
      expect(info).toEqual({
        kind: 'PostgresStorage',
        location: `postgresql://postgres@127.0.0.1:${server().port}/runyard_test?schema=${schema}`,
        schemaVersion: 1,
        latestSchemaVersion: 1,
      });
      expect(info.location).not.toContain(server().password);
      // Nothing in public: the tables are in the configured schema.
      expect(await adminQuery(server(), "SELECT to_regclass('public.runyard_migrations') AS found")).toEqual([
        { found: null },
      ]);
      const versions = await adminQuery(server(), `SELECT version, name FROM ${schema}.runyard_migrations`);
      expect(versions).toEqual([{ version: 1, name: 'create-runs-events-schedules-daemon' }]);
      expect((await open(schema)).migrationOnOpen).toEqual({ from: 1, to: 1, applied: [] });
    });

    it('combines a url with separate fields, the fields winning', async () => {
      const schema = schemaName();
      const { password, port } = server();
      const storage = await PostgresStorage.open({
        url: `postgresql://postgres@127.0.0.1:1/runyard_test?schema=ignored_schema`,
        port,
        password,
        schema,
      });
      opened.push(storage);
      expect((await storage.info()).location).toBe(
        `postgresql://postgres@127.0.0.1:${port}/runyard_test?schema=${schema}`,
      );
      expect(await storage.runs.countRuns()).toBe(0);
    });

    it('refuses a schema newer than it knows, names where, and leaves the data alone', async () => {
      const schema = schemaName();
      const first = await open(schema);
      await first.runs.createRun({ runId: 'kept', jobName: 'j', origin: ORIGIN });
      await adminQuery(server(), `INSERT INTO ${schema}.runyard_migrations VALUES (7, 'from-the-future', 0)`);
      for (const autoMigrate of [true, false]) {
        const error: unknown = await PostgresStorage.open({ url: server().url, schema, autoMigrate }).catch(
          (e: unknown) => e,
        );
        expect(error).toMatchObject({ name: 'SchemaTooNewError', data: { found: 7, supported: 1 } });
        expect((error as Error).message).toContain(`schema=${schema}`);
        expect((error as Error).message).toMatch(/schema version 7.*supports up to 1.*upgrade Runyard/);
        expect((error as Error).message).not.toContain(server().password);
      }
      await expect(first.migrate()).rejects.toMatchObject({ name: 'SchemaTooNewError' });
      const runs = await adminQuery(server(), `SELECT run_id FROM ${schema}.runs`);
      expect(runs).toEqual([{ run_id: 'kept' }]);
    });

    it('with autoMigrate off, opens an old schema but touches no table until migrate()', async () => {
      const schema = schemaName();
      const storage = await open(schema, { autoMigrate: false });
      expect((await storage.info()).schemaVersion).toBe(0);
      await expect(storage.runs.listRuns()).rejects.toMatchObject({
        name: 'SchemaTooOldError',
        data: { found: 0, latest: 1 },
        message: expect.stringContaining('runyard instance migrate'),
      });
      const exists = await adminQuery(server(), 'SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      expect(exists).toEqual([]);
      expect(await storage.migrate()).toEqual({ from: 0, to: 1, applied: ['create-runs-events-schedules-daemon'] });
      expect(await storage.runs.listRuns()).toEqual([]);
    });

    it('notices when another process migrates a schema it found too old', async () => {
      const schema = schemaName();
      const waiting = await open(schema, { autoMigrate: false });
      await expect(waiting.runs.countRuns()).rejects.toMatchObject({ name: 'SchemaTooOldError' });
      await open(schema);
      expect(await waiting.runs.countRuns()).toBe(0);
    });

    it('migrates once when many storages open one fresh schema at once', async () => {
      const schema = schemaName();
      const storages = await Promise.all(Array.from({ length: 6 }, () => open(schema)));
      const applied = storages.map((s) => s.migrationOnOpen.applied.length);
      expect(applied.filter((n) => n > 0)).toEqual([1]);
      const versions = await adminQuery(server(), `SELECT version FROM ${schema}.runyard_migrations`);
      expect(versions).toEqual([{ version: 1 }]);
    });
  });

  describe('config', () => {
    it('gives back the config as written, env references kept', async () => {
      const schema = schemaName();
      const storage = await PostgresStorage.open({
        url: { env: 'RUNYARD_TEST_PG_URL' },
        schema,
        poolSize: 3,
        env: { RUNYARD_TEST_PG_URL: server().url },
      });
      opened.push(storage);
      expect(storage.toConfig()).toEqual({
        class: 'PostgresStorage',
        config: { url: { env: 'RUNYARD_TEST_PG_URL' }, schema, poolSize: 3 },
      });
      expect(JSON.stringify(storage.toConfig())).not.toContain(server().password);
    });

    it('gives back ctx.raw when core builds it from runyard.yaml', async () => {
      const schema = schemaName();
      const raw = { class: 'PostgresStorage', config: { url: { env: 'DATABASE_URL' }, schema } };
      const storage = new PostgresStorage({ url: server().url, schema }, { raw });
      opened.push(storage);
      await storage.init();
      expect(storage.toConfig()).toEqual(raw);
      expect(await storage.runs.countRuns()).toBe(0);
    });

    it('validates config strictly, taking numbers and booleans as strings from the environment', () => {
      const parse = (config: unknown) => postgresStorageConfigSchema.safeParse(config);
      expect(parse({ host: 'db', port: '5433', poolSize: '4', autoMigrate: 'false', ssl: 'true' }).data).toEqual({
        host: 'db',
        port: 5433,
        poolSize: 4,
        autoMigrate: false,
        ssl: true,
      });
      expect(parse({ ssl: { rejectUnauthorized: 'false', ca: 'PEM' } }).data).toEqual({
        ssl: { rejectUnauthorized: false, ca: 'PEM' },
      });
      expect(parse({}).success).toBe(true);
      expect(parse({ hots: 'typo' }).success).toBe(false);
      expect(parse({ port: 'abc' }).success).toBe(false);
      expect(parse({ port: 70_000 }).success).toBe(false);
      expect(parse({ poolSize: 0 }).success).toBe(false);
      expect(parse({ autoMigrate: 'yes' }).success).toBe(false);
      expect(parse({ schema: 'bad-name; DROP' }).success).toBe(false);
      const badUrl = parse({ url: 'mysql://root:hunter2secret@db/x' });
      expect(badUrl.success).toBe(false);
      expect(JSON.stringify(badUrl.error?.issues)).not.toContain('hunter2secret');
      expect(JSON.stringify(badUrl.error?.issues)).toContain('scheme must be postgresql');
    });
  });

  describe('sharing one schema', () => {
    it('lets two storages see each other and race a transition with one winner', async () => {
      const schema = schemaName();
      const a = await open(schema);
      const b = await open(schema);
      const run = await a.runs.createRun({ jobName: 'j', origin: ORIGIN, tags: { team: 'data' } });
      expect(await b.runs.getRun(run.runId)).toEqual(run);
      const [fromA, fromB] = await Promise.all([
        a.runs.transition({ runId: run.runId, type: 'RUN_STARTING' }),
        b.runs.transition({ runId: run.runId, type: 'RUN_STARTING' }),
      ]);
      expect([fromA.applied, fromB.applied].filter(Boolean)).toHaveLength(1);
      expect(await b.events.getEvents(run.runId, { types: ['RUN_STARTING'] })).toHaveLength(1);
    });

    it('keeps instances in different schemas of one database apart', async () => {
      const a = await open(schemaName());
      const b = await open(schemaName());
      await a.runs.createRun({ jobName: 'j', origin: ORIGIN });
      expect(await a.runs.countRuns()).toBe(1);
      expect(await b.runs.countRuns()).toBe(0);
    });

    it('finds a run by a prefix that holds LIKE wildcards only literally', async () => {
      const storage = await open(schemaName());
      await storage.runs.createRun({ runId: 'a_b%c-1', jobName: 'j', origin: ORIGIN });
      await storage.runs.createRun({ runId: 'axbyc-2', jobName: 'j', origin: ORIGIN });
      expect((await storage.runs.listRuns({ runIdPrefix: 'a_b%' })).map((r) => r.runId)).toEqual(['a_b%c-1']);
    });

    it('keeps the key order of run config and event data as written', async () => {
      const storage = await open(schemaName());
      const run = await storage.runs.createRun({ jobName: 'j', origin: ORIGIN, runConfig: { zeta: 1, alpha: 2 } });
      expect(Object.keys((await storage.runs.getRun(run.runId))?.runConfig ?? {})).toEqual(['zeta', 'alpha']);
    });
  });

  describe('disposing', () => {
    it('says the storage is disposed, and where it was, without the password', async () => {
      const schema = schemaName();
      const storage = await open(schema);
      await storage.dispose();
      await expect(storage.runs.listRuns()).rejects.toThrow(/disposed/);
      const error = (await storage.migrate().catch((e: unknown) => e)) as Error;
      expect(error.message).toContain(`schema=${schema}`);
      expect(error.message).not.toContain(server().password);
      await expect(storage.events.onEventsStored(() => {})).rejects.toThrow(/disposed/);
    });
  });
});
