import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Instance } from 'runyard';
import { loadSqliteDriver, RunHeartbeat } from 'runyard/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const WAIT_MS = 45_000;

async function waitUntil(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the heartbeat thread retries a beat storage refused, and goes on', () => {
  let home: string;
  let instance: Instance;
  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'runyard-heartbeat-'));
    instance = await Instance.open({ home });
  });
  afterAll(async () => {
    await instance?.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  it('logs the failure, writes again once the database is free, and stops cleanly', async () => {
    const run = await instance.storage.runs.createRun({
      jobName: 'j',
      runConfig: {},
      tags: {},
      origin: { codeLocation: 'x', source: 'api' },
    });
    const lines: string[] = [];
    const heartbeat = await RunHeartbeat.start({
      storage: instance.storage,
      serializedInstance: instance.serialize(),
      target: { runId: run.runId },
      intervalMs: 100,
      log: (line) => lines.push(line),
    });
    expect(heartbeat.threaded).toBe(true);
    const beatAt = async () => (await instance.storage.runs.getRun(run.runId))?.workerHeartbeatAt ?? 0;
    const first = await beatAt();
    await waitUntil('a beat from the thread', async () => (await beatAt()) > first);

    // Storage refuses the heartbeat (a real SQLite error, from another connection's trigger).
    const { Database } = loadSqliteDriver();
    const db = new Database(path.join(home, 'runyard.db'));
    db.exec(`CREATE TRIGGER refuse_heartbeat BEFORE UPDATE OF worker_heartbeat_at ON runs
             BEGIN SELECT RAISE(ABORT, 'storage refused the heartbeat'); END`);
    try {
      await waitUntil('failed beats', () =>
        lines.some((l) => l === 'heartbeat failed 2 time(s) in a row, retrying: storage refused the heartbeat'),
      );
    } finally {
      db.exec('DROP TRIGGER refuse_heartbeat');
      db.close();
    }
    const blockedAt = await beatAt();
    await waitUntil('the beats to come back', async () => (await beatAt()) > blockedAt);
    await waitUntil('the recovery to be reported', () => lines.some((l) => l.startsWith('heartbeat written again')));
    expect(heartbeat.threaded).toBe(true);

    await heartbeat.stop();
    expect(heartbeat.threaded).toBe(false);
    const stoppedAt = await beatAt();
    await new Promise((r) => setTimeout(r, 400));
    expect(await beatAt()).toBe(stoppedAt);
  });
});
