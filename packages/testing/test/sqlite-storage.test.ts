import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SqliteStorage } from 'runyard';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storageConformance } from '../src/index.js';
import { runInLockstep } from './support/lockstep-children.js';

const ORIGIN = { codeLocation: '/defs.ts', source: 'test' } as const;
const OPEN_STORAGE_SCRIPT = fileURLToPath(new URL('./fixtures/open-storage.mjs', import.meta.url));

storageConformance('SqliteStorage (file)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'runyard-sqlite-'));
  const storage = await SqliteStorage.open({ path: join(dir, 'runyard.db') });
  return { storage, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

storageConformance('SqliteStorage (:memory:)', async () => ({
  storage: await SqliteStorage.open({ path: ':memory:' }),
}));

describe('SqliteStorage', () => {
  let dir: string;
  let dbPath: string;
  const opened: SqliteStorage[] = [];

  async function open(options: { autoMigrate?: boolean; busyTimeoutMs?: number } = {}): Promise<SqliteStorage> {
    const storage = await SqliteStorage.open({ path: dbPath, ...options });
    opened.push(storage);
    return storage;
  }

  /** A second, raw connection to the same file, to do what Runyard never would. */
  function raw(): Database.Database {
    mkdirSync(dirname(dbPath), { recursive: true });
    return new Database(dbPath);
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runyard-sqlite-'));
    dbPath = join(dir, 'nested', 'dir', 'runyard.db');
  });

  afterEach(async () => {
    for (const storage of opened.splice(0)) await storage.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  describe('opening', () => {
    it('creates the directory, switches to WAL and migrates a fresh file', async () => {
      const storage = await open();
      expect(storage.migrationOnOpen).toEqual({ from: 0, to: 1, applied: ['create-runs-events-schedules-daemon'] });
      expect(await storage.info()).toEqual({
        kind: 'SqliteStorage',
        location: dbPath,
        schemaVersion: 1,
        latestSchemaVersion: 1,
      });
      const db = raw();
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
      const again = await open();
      expect(again.migrationOnOpen).toEqual({ from: 1, to: 1, applied: [] });
    });

    it('serializes to the config that rebuilds it, and validates that config', async () => {
      const storage = await open();
      expect(storage.toConfig()).toEqual({ class: 'SqliteStorage', config: { path: dbPath } });
      const schema = await SqliteStorage.loadConfigSchema();
      expect(schema.parse({})).toEqual({ path: 'runyard.db' });
      expect(schema.parse({ path: 'data/yard.db' })).toEqual({ path: 'data/yard.db' });
      expect(schema.safeParse({ path: 42 }).success).toBe(false);
      expect(schema.safeParse({ path: '' }).success).toBe(false);
      expect(schema.safeParse({ pth: 'typo.db' }).success).toBe(false);
    });

    it('refuses a schema newer than it knows, and leaves the file alone', async () => {
      const first = await open();
      await first.runs.createRun({ runId: 'kept', jobName: 'j', origin: ORIGIN });
      await first.dispose();
      const db = raw();
      db.pragma('user_version = 7');
      db.close();
      for (const autoMigrate of [true, false]) {
        const error: unknown = await SqliteStorage.open({ path: dbPath, autoMigrate }).catch((e: unknown) => e);
        expect(error).toMatchObject({ name: 'SchemaTooNewError', data: { found: 7, supported: 1 } });
        expect((error as Error).message).toContain(dbPath);
        expect((error as Error).message).toMatch(/schema version 7.*supports up to 1.*upgrade Runyard/);
      }
      const check = raw();
      expect(check.pragma('user_version', { simple: true })).toBe(7);
      expect(check.prepare('SELECT run_id FROM runs').pluck().all()).toEqual(['kept']);
      check.close();
    });

    it('with autoMigrate off, refuses an old schema and does not migrate it', async () => {
      // An old file: here, one that predates every migration.
      const db = raw();
      db.exec('CREATE TABLE unrelated (x INTEGER)');
      db.close();
      await expect(SqliteStorage.open({ path: dbPath, autoMigrate: false })).rejects.toMatchObject({
        name: 'SchemaTooOldError',
        data: { found: 0, latest: 1 },
        message: expect.stringContaining('runyard instance migrate'),
      });
      const check = raw();
      expect(check.pragma('user_version', { simple: true })).toBe(0);
      check.close();
      const migrated = await open();
      expect(migrated.migrationOnOpen.applied).toHaveLength(1);
      expect((await open({ autoMigrate: false })).migrationOnOpen).toEqual({ from: 1, to: 1, applied: [] });
    });

    it('lets several processes open and migrate one fresh file at once', async () => {
      const children = await runInLockstep<{
        ok: boolean;
        runId?: string;
        info?: { schemaVersion: number };
        error?: unknown;
      }>(
        OPEN_STORAGE_SCRIPT,
        Array.from({ length: 4 }, (_, i) => [dbPath, `child-${i}`]),
      );
      for (const child of children) {
        expect(child.result, child.stderr).toMatchObject({ ok: true, info: { schemaVersion: 1 } });
        expect(child.exitCode).toBe(0);
      }
      const storage = await open({ autoMigrate: false });
      expect(await storage.runs.countRuns()).toBe(4);
      expect((await storage.info()).schemaVersion).toBe(1);
    });
  });

  describe('sharing one file', () => {
    it('lets two storages on one file see each other and race a transition with one winner', async () => {
      const a = await open();
      const b = await open();
      const run = await a.runs.createRun({ jobName: 'j', origin: ORIGIN });
      expect(await b.runs.getRun(run.runId)).toEqual(run);
      const [fromA, fromB] = await Promise.all([
        a.runs.transition({ runId: run.runId, type: 'RUN_STARTING' }),
        b.runs.transition({ runId: run.runId, type: 'RUN_STARTING' }),
      ]);
      expect([fromA.applied, fromB.applied].filter(Boolean)).toHaveLength(1);
      expect(await b.events.getEvents(run.runId, { types: ['RUN_STARTING'] })).toHaveLength(1);
    });

    it('retries a write that outlasts the busy timeout, and succeeds once the lock is free', async () => {
      const storage = await open({ busyTimeoutMs: 50 });
      const run = await storage.runs.createRun({ jobName: 'j', origin: ORIGIN });
      const blocker = raw();
      blocker.exec('BEGIN IMMEDIATE');
      // Due while the first attempt is still blocked in the busy handler, so it runs during the
      // retry's back-off and the retry finds the lock free.
      const release = setTimeout(() => {
        blocker.exec('COMMIT');
        blocker.close();
      }, 10);
      try {
        const [stored] = await storage.events.appendEvents([{ runId: run.runId, type: 'LOG', message: 'waited' }]);
        expect(stored?.message).toBe('waited');
      } finally {
        clearTimeout(release);
        if (blocker.open) blocker.close();
      }
    });

    it('fails with SQLITE_BUSY when the lock is never released, having written nothing', async () => {
      const storage = await open({ busyTimeoutMs: 20 });
      const run = await storage.runs.createRun({ jobName: 'j', origin: ORIGIN });
      const blocker = raw();
      blocker.exec('BEGIN IMMEDIATE');
      try {
        await expect(storage.events.appendEvents([{ runId: run.runId, type: 'LOG' }])).rejects.toMatchObject({
          code: expect.stringMatching(/^SQLITE_BUSY/),
        });
      } finally {
        blocker.exec('ROLLBACK');
        blocker.close();
      }
      expect(await storage.events.getEvents(run.runId)).toEqual([]);
    });
  });

  describe('disposing', () => {
    it('says the storage is disposed, and where it was', async () => {
      const storage = await open();
      await storage.dispose();
      await expect(storage.runs.listRuns()).rejects.toThrow(/disposed/);
      await expect(storage.migrate()).rejects.toThrow(dbPath);
    });
  });
});
