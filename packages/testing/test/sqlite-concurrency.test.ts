import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStorage } from 'runyard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInLockstep } from './support/lockstep-children.js';

const WRITER_SCRIPT = fileURLToPath(new URL('./fixtures/sqlite-writer.mjs', import.meta.url));

const WRITERS = 4;
const ROUNDS = 60;
const BATCH_SIZE = 12;
const RACE_RUNS = 12;
const TERMINAL_RUNS = 12;
const EVENTS_PER_WRITER = ROUNDS * (1 + BATCH_SIZE);

interface WriterResult {
  readonly writerId: number;
  readonly ids: number[];
  readonly wins: { readonly runId: string; readonly type: string; readonly eventId: number }[];
  readonly errors: { readonly name?: string; readonly code?: string; readonly message: string }[];
  readonly written: number;
}

/**
 * Real processes writing one SQLite file at once, as a run worker, the daemon and the UI do. What
 * must hold: no write is lost, ids stay unique and grow for each writer, every contested
 * transition has exactly one winner, and no SQLITE_BUSY ever reaches a caller.
 */
describe('SqliteStorage: several processes writing one file', () => {
  let dir: string;
  let path: string;
  let results: WriterResult[];
  let exitCodes: (number | null)[];
  let stderrs: string[];
  const ids = { log: 'shared-log', race: [] as string[], terminal: [] as string[] };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runyard-sqlite-concurrency-'));
    path = join(dir, 'runyard.db');
    const storage = await SqliteStorage.open({ path });
    const origin = { codeLocation: '/defs.ts', source: 'test' };
    await storage.runs.createRun({ runId: ids.log, jobName: 'log', origin });
    for (let i = 0; i < RACE_RUNS; i++)
      ids.race.push((await storage.runs.createRun({ jobName: 'race', origin })).runId);
    for (let i = 0; i < TERMINAL_RUNS; i++) {
      ids.terminal.push((await storage.runs.createRun({ jobName: 'terminal', origin })).runId);
    }
    await storage.dispose();

    const plans = Array.from({ length: WRITERS }, (_, writerId) =>
      JSON.stringify({
        path,
        writerId,
        logRunId: ids.log,
        rounds: ROUNDS,
        batchSize: BATCH_SIZE,
        raceRunIds: ids.race,
        terminalRunIds: ids.terminal,
      }),
    );
    const outcomes = await runInLockstep<WriterResult>(
      WRITER_SCRIPT,
      plans.map((plan) => [plan]),
    );
    results = outcomes.map((o) => o.result);
    exitCodes = outcomes.map((o) => o.exitCode);
    stderrs = outcomes.map((o) => o.stderr);
  }, 120_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function withStorage<T>(work: (storage: SqliteStorage) => Promise<T>): Promise<T> {
    const storage = await SqliteStorage.open({ path });
    try {
      return await work(storage);
    } finally {
      await storage.dispose();
    }
  }

  it('every writer finished cleanly, and none saw SQLITE_BUSY or any other error', () => {
    expect(
      results.map((r) => r.errors),
      stderrs.join('\n'),
    ).toEqual(results.map(() => []));
    expect(exitCodes).toEqual(results.map(() => 0));
    expect(results.map((r) => r.written)).toEqual(results.map(() => EVENTS_PER_WRITER));
  });

  it('lost no event: the log holds exactly what each writer wrote, in its order', async () => {
    const events = await withStorage((s) => s.events.getEvents(ids.log));
    expect(events).toHaveLength(WRITERS * EVENTS_PER_WRITER);
    for (const result of results) {
      const mine = events.filter((e) => e.data?.writerId === result.writerId);
      expect(mine.map((e) => e.message)).toEqual(
        Array.from({ length: EVENTS_PER_WRITER }, (_, seq) => `${result.writerId}:${seq}`),
      );
      expect(mine.map((e) => e.id)).toEqual(result.ids);
    }
  });

  it('lost no tag update on a run that every writer patched', async () => {
    const run = await withStorage((s) => s.runs.getRun(ids.log));
    const expected = Object.fromEntries(results.map((r) => [`writer-${r.writerId}`, String(ROUNDS - 1)]));
    expect(run?.tags).toEqual(expected);
    expect(await withStorage((s) => s.runs.countRuns({ tags: expected }))).toBe(1);
  });

  it('gave unique ids, increasing in the order each writer wrote', () => {
    const all = results.flatMap((r) => [...r.ids, ...r.wins.map((w) => w.eventId)]);
    expect(new Set(all).size).toBe(all.length);
    for (const result of results) {
      expect(result.ids).toHaveLength(EVENTS_PER_WRITER);
      for (let i = 1; i < result.ids.length; i++) {
        expect(result.ids[i]).toBeGreaterThan(result.ids[i - 1] as number);
      }
    }
  });

  it('let each contested step of each shared run be won exactly once', async () => {
    const wins = results.flatMap((r) => r.wins);
    for (const runId of ids.race) {
      const types = wins
        .filter((w) => w.runId === runId)
        .map((w) => w.type)
        .sort();
      expect(types, runId).toEqual(['RUN_START', 'RUN_STARTING', 'RUN_SUCCESS']);
    }
    await withStorage(async (s) => {
      for (const runId of ids.race) {
        expect((await s.runs.getRun(runId))?.status).toBe('SUCCESS');
        const events = await s.events.getEvents(runId);
        expect(events.map((e) => e.type)).toEqual(['RUN_STARTING', 'RUN_START', 'RUN_SUCCESS']);
      }
    });
  });

  it('ended each raced run with the one terminal event that won', async () => {
    const wins = results.flatMap((r) => r.wins);
    await withStorage(async (s) => {
      for (const runId of ids.terminal) {
        const won = wins.filter((w) => w.runId === runId);
        expect(won, runId).toHaveLength(1);
        const run = await s.runs.getRun(runId);
        expect(run?.status).toBe(won[0]?.type === 'RUN_CANCELED' ? 'CANCELED' : 'FAILURE');
        expect((await s.events.getEvents(runId)).map((e) => e.id)).toEqual([won[0]?.eventId]);
      }
    });
  });
});
