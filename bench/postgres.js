// PostgreSQL storage figures: events written per second on PostgreSQL against SQLite, measured
// side by side (rounds interleaved) in one run, in batches of 100 (as the engine's buffered
// writer writes them) and one event per transaction; then events through a 5 s outage of the
// server (storage-outage.js). Starts its own PostgreSQL server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PostgresStorage } from '@runyard/postgres';
import { SqliteStorage } from 'runyard';
import { median } from './lib/measure.js';
import { findPostgresBin, startPostgres } from './lib/postgres-server.js';
import { storageOutageBenchmarks } from './storage-outage.js';

const ROUNDS = 5;
const BATCHES_PER_ROUND = 40;
const SINGLES_PER_ROUND = 400;

export async function postgresBenchmarks() {
  const binDir = findPostgresBin();
  if (!binDir) {
    const reason = 'PostgreSQL server binaries not found (apt-get install -y postgresql, or set RUNYARD_PG_BIN)';
    if (process.env.CI === 'true') throw new Error(reason);
    return [['events written per second (PostgreSQL)', 'skipped', reason]];
  }
  const server = await startPostgres(binDir);
  const home = mkdtempSync(path.join(tmpdir(), 'runyard-bench-sqlite-'));
  const storages = {};
  try {
    storages.postgres = await PostgresStorage.open({ url: server.url, schema: 'bench' });
    storages.sqlite = await SqliteStorage.open({ path: path.join(home, 'runyard.db') });
    const runs = {};
    for (const [name, storage] of Object.entries(storages)) {
      runs[name] = (
        await storage.runs.createRun({ jobName: 'bench', origin: { codeLocation: 'bench', source: 'api' } })
      ).runId;
      await writeBatches(storage, runs[name], 5); // warm up statements, pools and caches
    }
    const batched = { postgres: [], sqlite: [] };
    const single = { postgres: [], sqlite: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of Object.keys(storages)) {
        batched[name].push(await writeBatches(storages[name], runs[name], BATCHES_PER_ROUND));
        single[name].push(await writeSingles(storages[name], runs[name], SINGLES_PER_ROUND));
      }
    }
    const rate = (samples) => Math.round(median(samples));
    const fmt = (n) => `${n.toLocaleString('en')}/s`;
    const pgBatched = rate(batched.postgres);
    const sqliteBatched = rate(batched.sqlite);
    const pgSingle = rate(single.postgres);
    const sqliteSingle = rate(single.sqlite);
    // Last: it stops the server for a while.
    const outage = await storageOutageBenchmarks(storages.postgres, server);
    return [
      [
        'events written per second, batches of 100 (PostgreSQL)',
        fmt(pgBatched),
        `${(pgBatched / sqliteBatched).toFixed(2)}× SQLite file (${fmt(sqliteBatched)})`,
      ],
      [
        'events written per second, one per transaction (PostgreSQL)',
        fmt(pgSingle),
        `${(pgSingle / sqliteSingle).toFixed(2)}× SQLite file (${fmt(sqliteSingle)})`,
      ],
      ...outage,
    ];
  } finally {
    for (const storage of Object.values(storages)) await storage.dispose();
    rmSync(home, { recursive: true, force: true });
    server.stop();
  }
}

/** Events per second over `count` appends of 100 events each. */
async function writeBatches(storage, runId, count) {
  const batch = Array.from({ length: 100 }, (_, i) => ({ runId, type: 'LOG', message: `event ${i}`, data: { i } }));
  const start = performance.now();
  for (let i = 0; i < count; i++) await storage.events.appendEvents(batch);
  return (count * 100) / ((performance.now() - start) / 1000);
}

/** Events per second over `count` appends of one event each. */
async function writeSingles(storage, runId, count) {
  const event = { runId, type: 'LOG', message: 'one event' };
  const start = performance.now();
  for (let i = 0; i < count; i++) await storage.events.appendEvents([event]);
  return count / ((performance.now() - start) / 1000);
}
