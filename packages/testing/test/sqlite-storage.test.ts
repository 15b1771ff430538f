import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import { SqliteStorage } from 'runyard';
import { loadSqliteDriver } from 'runyard/internal';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storageConformance } from '../src/index.js';
import { runInLockstep } from './support/lockstep-children.js';

const ORIGIN = { codeLocation: '/defs.ts', source: 'test' } as const;
// The tables of schema version 1 that the migration to 2 touches, with a row in each, at user_version 1.
const V1_SCHEMA_PROBE = `
  CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL UNIQUE, job_name TEXT NOT NULL,
    status TEXT NOT NULL, run_config TEXT NOT NULL, tags TEXT NOT NULL, origin TEXT NOT NULL, created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL, start_time INTEGER, end_time INTEGER, parent_run_id TEXT, root_run_id TEXT, worker TEXT,
    status_reason TEXT, worker_heartbeat_at INTEGER);
  CREATE TABLE event_logs (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, type TEXT NOT NULL,
    timestamp INTEGER NOT NULL, level TEXT NOT NULL, step_key TEXT, message TEXT NOT NULL, data TEXT, error TEXT);
  CREATE TABLE schedule_states (name TEXT PRIMARY KEY, status TEXT NOT NULL, last_tick_at INTEGER, updated_at INTEGER NOT NULL);
  INSERT INTO runs (run_id, job_name, status, run_config, tags, origin, created_at, updated_at)
    VALUES ('old-run', 'j', 'SUCCESS', '{}', '{}', '{"codeLocation":"/defs.ts","source":"test"}', 1, 1);
  INSERT INTO schedule_states (name, status, last_tick_at, updated_at) VALUES ('nightly', 'RUNNING', 1000, 2000);
  PRAGMA user_version = 1;
`;
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
  function raw(): BetterSqlite3.Database {
    mkdirSync(dirname(dbPath), { recursive: true });
    // The driver Runyard itself uses on this Node (better-sqlite3 12 on Node 20, 13 from 22).
    const { Database } = loadSqliteDriver();
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
      expect(storage.migrationOnOpen).toEqual({
        from: 0,
        to: 2,
        applied: ['create-runs-events-schedules-daemon', 'schedule-code-location-and-event-types'],
      });
      expect(await storage.info()).toEqual({
        kind: 'SqliteStorage',
        location: dbPath,
        schemaVersion: 2,
        latestSchemaVersion: 2,
      });
      const db = raw();
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
      const again = await open();
      expect(again.migrationOnOpen).toEqual({ from: 2, to: 2, applied: [] });
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
        expect(error).toMatchObject({ name: 'SchemaTooNewError', data: { found: 7, supported: 2 } });
        expect((error as Error).message).toContain(dbPath);
        expect((error as Error).message).toMatch(/schema version 7.*supports up to 2.*upgrade Runyard/);
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
        data: { found: 0, latest: 2 },
        message: expect.stringContaining('runyard instance migrate'),
      });
      const check = raw();
      expect(check.pragma('user_version', { simple: true })).toBe(0);
      check.close();
      const migrated = await open();
      expect(migrated.migrationOnOpen.applied).toHaveLength(2);
      expect((await open({ autoMigrate: false })).migrationOnOpen).toEqual({ from: 2, to: 2, applied: [] });
    });

    it('migrates a version 1 file to version 2, keeping its schedules and runs', async () => {
      // Version 1 as it shipped: only its migration applied.
      const db = raw();
      db.exec(V1_SCHEMA_PROBE);
      db.close();
      const v1 = await SqliteStorage.open({ path: dbPath, autoMigrate: false }).catch((e: unknown) => e);
      expect(v1).toMatchObject({ name: 'SchemaTooOldError', data: { found: 1, latest: 2 } });
      const storage = await open();
      expect(storage.migrationOnOpen).toEqual({ from: 1, to: 2, applied: ['schedule-code-location-and-event-types'] });
      expect(await storage.schedules.getScheduleState('nightly')).toEqual({
        name: 'nightly',
        status: 'RUNNING',
        lastTickAt: 1_000,
        updatedAt: 2_000,
      });
      expect((await storage.runs.getRun('old-run'))?.jobName).toBe('j');
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
        expect(child.result, child.stderr).toMatchObject({ ok: true, info: { schemaVersion: 2 } });
        expect(child.exitCode).toBe(0);
      }
      const storage = await open({ autoMigrate: false });
      expect(await storage.runs.countRuns()).toBe(4);
      expect((await storage.info()).schemaVersion).toBe(2);
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
