import {
  chmodSync,
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readFileSync,
  statfsSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Instance } from '../src/index.js';
import { loadSqliteDriver } from '../src/storage/sqlite/sqlite-driver.js';
import { type CliResult, expectUserError, runCli, tempHome } from './cli-helpers.js';
import { type FullDisk, mountSmallTmpfs, openDirectory, runCliUnprivileged } from './fixtures/unusable-storage.js';

// A database that cannot be used must be reported as such: the file named, what is wrong with it
// and what to do, exit 2 and no stack trace. It used to be exit 1 and a stack trace of src/*.ts
// paths that never said which file, and damage inside the file went unnoticed until a read failed.

const DB = 'runyard.db';

/** Exit 2, the file named, `what` and `todo` in the message, no stack trace. */
function expectStorageMessage(result: CliResult, file: string, what: string | RegExp, todo: string): void {
  expectUserError(result, what);
  expect(result.stderr).toContain(file);
  expect(result.stderr).toContain(todo);
  expect(result.stderr).not.toMatch(/\.ts:\d+/);
  expect(result.stdout).toBe('');
}

describe('a damaged or unusable SQLite database, through the CLI', () => {
  let template: string;
  let runIds: string[];

  beforeAll(async () => {
    // A real instance with enough events that its event log spans many pages.
    template = tempHome();
    const instance = await Instance.open({ home: template });
    runIds = [];
    try {
      for (let i = 0; i < 40; i++) {
        const run = await instance.storage.runs.createRun({
          jobName: 'hello',
          origin: { codeLocation: '/defs.ts', source: 'cli' },
        });
        runIds.push(run.runId);
        await instance.storage.events.appendEvents(
          Array.from({ length: 20 }, (_, n) => ({
            runId: run.runId,
            type: 'LOG' as const,
            level: 'info' as const,
            message: `line ${n} of run ${i}: ${'x'.repeat(80)}`,
          })),
        );
      }
    } finally {
      // Closing checkpoints the write-ahead log: the whole database is in the one file.
      await instance.dispose();
    }
  });

  /** A fresh home holding a copy of the template's database. */
  function copyOfTemplate(): { home: string; db: string } {
    const home = tempHome();
    copyFileSync(path.join(template, DB), path.join(home, DB));
    return { home, db: path.join(home, DB) };
  }

  it('a truncated file: named as truncated, to be restored', async () => {
    const { home, db } = copyOfTemplate();
    const { size } = statSync(db);
    truncateSync(db, Math.floor(size / 2));
    const result = await runCli(['run', 'list'], { home });
    expectStorageMessage(
      result,
      db,
      /is damaged \(the file is truncated: its header says \d+ bytes, it has \d+\)/,
      'restore it from a backup',
    );
  });

  it('an overwritten header', async () => {
    const { home, db } = copyOfTemplate();
    overwrite(db, 0, Buffer.from('this is not the header'));
    const result = await runCli(['run', 'list'], { home });
    expectStorageMessage(
      result,
      db,
      'is not a SQLite database, or its header is overwritten',
      'restore the file from a backup',
    );
  });

  it('a file that is not a database at all', async () => {
    const home = tempHome();
    const db = path.join(home, DB);
    writeFileSync(db, 'run_id,status\nabc,SUCCESS\n');
    const result = await runCli(['run', 'list', '--json'], { home });
    expectStorageMessage(result, db, 'is not a SQLite database', 'check the storage path in runyard.yaml');
    expect(readFileSync(db, 'utf8')).toBe('run_id,status\nabc,SUCCESS\n');
  });

  describe('damage in the middle of the file', () => {
    let home: string;
    let db: string;

    beforeAll(() => {
      ({ home, db } = copyOfTemplate());
      // Every leaf page of the event log, overwritten: the header and the runs table stay intact.
      const { Database } = loadSqliteDriver();
      const probe = new Database(db, { readonly: true });
      const pageSize = probe.pragma('page_size', { simple: true }) as number;
      const pages = probe
        .prepare("SELECT pageno FROM dbstat WHERE name = 'event_logs' AND pagetype = 'leaf'")
        .all() as Array<{ pageno: number }>;
      probe.close();
      expect(pages.length).toBeGreaterThan(3);
      for (const { pageno } of pages) overwrite(db, (pageno - 1) * pageSize, Buffer.alloc(pageSize, 0xab));
    });

    it('a read that meets it names the file and says it is damaged', async () => {
      const list = await runCli(['run', 'list', '--json'], { home });
      expect(list.code, list.stderr).toBe(0); // the runs are intact: opening and listing work
      const logs = await runCli(['run', 'logs', String(runIds[0])], { home });
      expectStorageMessage(logs, db, /is damaged \(SQLITE_CORRUPT/, 'restore it from a backup');
    });

    it('`instance info` finds it with PRAGMA quick_check', async () => {
      const result = await runCli(['instance', 'info'], { home });
      expectStorageMessage(
        result,
        db,
        /is damaged \(PRAGMA quick_check found \d+( or more)? problems/,
        'restore it from a backup',
      );
    });

    it('`instance migrate` finds it and writes nothing', async () => {
      const before = readFileSync(db);
      const result = await runCli(['instance', 'migrate'], { home });
      expectStorageMessage(result, db, 'PRAGMA quick_check found', 'restore it from a backup');
      expect(readFileSync(db).equals(before)).toBe(true);
    });

    it('an intact database passes the check', async () => {
      const result = await runCli(['instance', 'info', '--json'], { home: template });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ integrity: 'ok' });
    });
  });

  it('a read-only file: reading works, the first write names the file and says to fix permissions', async () => {
    const { home, db } = copyOfTemplate();
    openDirectory(home);
    chmodSync(db, 0o444);
    const list = await runCliUnprivileged(home, ['run', 'list']);
    expect(list.code, list.stderr).toBe(0);
    const del = await runCliUnprivileged(home, ['run', 'delete', String(runIds[0]), '--force']);
    expectStorageMessage(del, db, 'the file is read-only', 'fix the permissions');
  });

  it('a read-only directory: SQLite cannot keep its log beside the file', async () => {
    const { home, db } = copyOfTemplate();
    chmodSync(db, 0o666);
    chmodSync(home, 0o555);
    const result = await runCliUnprivileged(home, ['run', 'list']);
    expectStorageMessage(result, db, `its directory ${home} is read-only`, 'fix the permissions');
  });

  describe('a full disk', () => {
    let disk: FullDisk;

    beforeAll(() => {
      disk = mountSmallTmpfs(512);
    });
    afterAll(() => disk?.unmount());

    it('at open of an existing database, and when creating one', async () => {
      // An instance whose database fits, then nothing left for the files SQLite adds beside it.
      const existing = path.join(disk.dir, 'existing');
      const instance = await Instance.open({ home: existing });
      await instance.storage.runs.createRun({ jobName: 'hello', origin: { codeLocation: '/d.ts', source: 'cli' } });
      await instance.dispose();
      const fresh = path.join(disk.dir, 'fresh');
      mkdirSync(fresh);
      disk.fill();
      expect(statfsSync(disk.dir).bavail).toBe(0);

      const open = await runCli(['run', 'list'], { home: existing });
      expectStorageMessage(open, path.join(existing, DB), 'the disk is full', 'free space on the file system');
      const create = await runCli(['run', 'list'], { home: fresh });
      expectStorageMessage(create, path.join(fresh, DB), 'the disk is full', 'free space on the file system');
    });
  });
});

function overwrite(file: string, offset: number, bytes: Buffer): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}
