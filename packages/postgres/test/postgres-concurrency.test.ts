import { fileURLToPath } from 'node:url';
import { PostgresStorage } from '@runyard/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTogether } from './support/lockstep.js';
import { describeWithPostgres, dropSchema, freshSchemaName } from './support/with-postgres.js';

const WRITER = fileURLToPath(new URL('./fixtures/postgres-writer.mjs', import.meta.url));
const OPENER = fileURLToPath(new URL('./fixtures/open-storage.mjs', import.meta.url));

const WRITERS = 4;
const ROUNDS = 60;
const BATCH_SIZE = 12;
const RACE_RUNS = 12;
const TERMINAL_RUNS = 12;
const EVENTS_PER_WRITER = ROUNDS * (1 + BATCH_SIZE);
const ORIGIN = { codeLocation: '/defs.ts', source: 'test' };

interface WriterResult {
  readonly writerId: number;
  readonly ids: number[];
  readonly wins: { readonly runId: string; readonly type: string; readonly eventId: number }[];
  readonly errors: { readonly name?: string; readonly code?: string; readonly message: string }[];
  readonly written: number;
}

/**
 * Real processes writing one schema at once, as run workers, daemons and the UI do. What must
 * hold: no write is lost, ids are unique and grow for each writer, each contested transition has
 * exactly one winner, and a reader following the log from a cursor while they write misses nothing.
 */
describeWithPostgres('PostgresStorage: several processes writing one schema', (server) => {
  describe('writers', () => {
    const schema = freshSchemaName('concurrency');
    const ids = { log: 'shared-log', race: [] as string[], terminal: [] as string[] };
    let results: WriterResult[];
    let exitCodes: (number | null)[];
    let stderrs: string[];
    let followed: number[];
    let startCursor: number;
    let reader: PostgresStorage;

    beforeAll(async () => {
      reader = await PostgresStorage.open({ url: server().url, schema });
      await reader.runs.createRun({ runId: ids.log, jobName: 'log', origin: ORIGIN });
      for (let i = 0; i < RACE_RUNS; i++)
        ids.race.push((await reader.runs.createRun({ jobName: 'race', origin: ORIGIN })).runId);
      for (let i = 0; i < TERMINAL_RUNS; i++) {
        ids.terminal.push((await reader.runs.createRun({ jobName: 'terminal', origin: ORIGIN })).runId);
      }
      const plans = Array.from({ length: WRITERS }, (_, writerId) =>
        JSON.stringify({
          url: server().url,
          schema,
          writerId,
          logRunId: ids.log,
          rounds: ROUNDS,
          batchSize: BATCH_SIZE,
          raceRunIds: ids.race,
          terminalRunIds: ids.terminal,
        }),
      );
      // A follower reads on from its cursor while the writers write, as `run logs --follow` does.
      let done = false;
      followed = [];
      const follow = (async () => {
        startCursor = await reader.events.getLatestEventId();
        let cursor = startCursor;
        while (true) {
          const finished = done;
          const batch = await reader.events.getEventsAfter(cursor);
          for (const event of batch) followed.push(event.id);
          cursor = batch.at(-1)?.id ?? cursor;
          if (finished && batch.length === 0) return;
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      })();
      const outcomes = await runTogether<WriterResult>(
        WRITER,
        plans.map((plan) => [plan]),
      ).finally(() => {
        done = true;
      });
      await follow;
      results = outcomes.map((o) => o.result);
      exitCodes = outcomes.map((o) => o.exitCode);
      stderrs = outcomes.map((o) => o.stderr);
    }, 120_000);

    afterAll(async () => {
      await reader?.dispose();
      await dropSchema(server(), schema);
    });

    it('every writer finished cleanly, with no error of any kind', () => {
      expect(
        results.map((r) => r.errors),
        stderrs.join('\n'),
      ).toEqual(results.map(() => []));
      expect(exitCodes).toEqual(results.map(() => 0));
      expect(results.map((r) => r.written)).toEqual(results.map(() => EVENTS_PER_WRITER));
    });

    it('lost no event: the log holds exactly what each writer wrote, in its order', async () => {
      const events = await reader.events.getEvents(ids.log);
      expect(events).toHaveLength(WRITERS * EVENTS_PER_WRITER);
      for (const result of results) {
        const mine = events.filter((e) => e.data?.writerId === result.writerId);
        expect(mine.map((e) => e.message)).toEqual(
          Array.from({ length: EVENTS_PER_WRITER }, (_, seq) => `${result.writerId}:${seq}`),
        );
        expect(mine.map((e) => e.id)).toEqual(result.ids);
      }
    });

    it('let a follower reading from its cursor during the writes see every event, none twice', async () => {
      const written = (await reader.events.getEventsAfter(startCursor)).map((e) => e.id);
      expect(written).toHaveLength(WRITERS * EVENTS_PER_WRITER + RACE_RUNS * 3 + TERMINAL_RUNS);
      expect(followed).toEqual(written);
    });

    it('lost no tag update on a run that every writer patched', async () => {
      const run = await reader.runs.getRun(ids.log);
      const expected = Object.fromEntries(results.map((r) => [`writer-${r.writerId}`, String(ROUNDS - 1)]));
      expect(run?.tags).toEqual(expected);
      expect(await reader.runs.countRuns({ tags: expected })).toBe(1);
    });

    it('gave unique ids, increasing in the order each writer wrote', () => {
      const all = results.flatMap((r) => [...r.ids, ...r.wins.map((w) => w.eventId)]);
      expect(new Set(all).size).toBe(all.length);
      for (const result of results) {
        expect(result.ids).toHaveLength(EVENTS_PER_WRITER);
        for (let i = 1; i < result.ids.length; i++) expect(result.ids[i]).toBeGreaterThan(result.ids[i - 1] as number);
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
        expect((await reader.runs.getRun(runId))?.status).toBe('SUCCESS');
        const events = await reader.events.getEvents(runId);
        expect(events.map((e) => e.type)).toEqual(['RUN_STARTING', 'RUN_START', 'RUN_SUCCESS']);
      }
    });

    it('ended each raced run with the one terminal event that won', async () => {
      const wins = results.flatMap((r) => r.wins);
      for (const runId of ids.terminal) {
        const won = wins.filter((w) => w.runId === runId);
        expect(won, runId).toHaveLength(1);
        const run = await reader.runs.getRun(runId);
        expect(run?.status).toBe(won[0]?.type === 'RUN_CANCELED' ? 'CANCELED' : 'FAILURE');
        expect((await reader.events.getEvents(runId)).map((e) => e.id)).toEqual([won[0]?.eventId]);
      }
    });
  });

  it('lets several processes open and migrate one fresh schema at once', async () => {
    const schema = freshSchemaName('open_race');
    try {
      const children = await runTogether<{ ok: boolean; migrated?: boolean; info?: { schemaVersion: number } }>(
        OPENER,
        Array.from({ length: 4 }, (_, i) => [server().url, schema, `child-${i}`]),
      );
      for (const child of children) {
        expect(child.result, child.stderr).toMatchObject({ ok: true, info: { schemaVersion: 1 } });
        expect(child.exitCode).toBe(0);
      }
      expect(children.filter((c) => c.result.migrated)).toHaveLength(1);
      const storage = await PostgresStorage.open({ url: server().url, schema, autoMigrate: false });
      expect(await storage.runs.countRuns()).toBe(4);
      await storage.dispose();
    } finally {
      await dropSchema(server(), schema);
    }
  });
});
