import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PostgresStorage } from '@runyard/postgres';
import { Instance, startUiServer } from 'runyard';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../runyard/test/cli-helpers.js';
import { readSse, type SseMessage } from '../../runyard/test/fixtures/api-harness.js';
import {
  expectEveryEventInOrder,
  expectFollowedExactlyOnce,
  expectNoStackTrace,
  runThroughOutage,
} from '../../runyard/test/fixtures/storage-outage.js';
import { describeWithPostgres, dropSchema, freshSchemaName } from './support/with-postgres.js';

const LINES_PER_STEP = 150;

/**
 * PostgreSQL stopped (`pg_ctl stop -m fast`) for 5 s in the middle of a launched run, then started
 * again on the same port: the worker keeps its events and stores them when the server is back,
 * the run ends SUCCESS, `job launch --wait` and `run logs --follow` wait the restart out and print
 * every event once, and monitoring does not take the missed heartbeats for a dead worker.
 */
describeWithPostgres('a PostgreSQL restart in the middle of a run', (server) => {
  let home: string;
  let schema: string;
  const env = () => ({ RUNYARD_HOME: home, DATABASE_URL: server().url });

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'runyard-pg-outage-'));
    schema = freshSchemaName('outage');
    await writeFile(
      path.join(home, 'runyard.yaml'),
      [
        'storage:',
        '  class: PostgresStorage',
        '  config:',
        '    url: { env: DATABASE_URL }',
        `    schema: ${schema}`,
        '',
      ].join('\n'),
    );
    const migrate = await runCli(['instance', 'migrate'], { env: env() });
    expect(migrate.code, migrate.stderr).toBe(0);
  });

  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
    await dropSchema(server(), schema).catch(() => undefined);
  });

  it('loses no event, keeps their order, and the run succeeds', async () => {
    const result = await runThroughOutage({
      env: env(),
      scratchDir: home,
      linesPerStep: LINES_PER_STEP,
      delayMs: 25,
      outageAfterLine: 60,
      outageMs: 5_000,
      beginOutage: () => server().halt(),
      endOutage: () => server().restart(),
    });
    const storage = await PostgresStorage.open({ url: server().url, schema });
    try {
      const run = await storage.runs.getRun(result.runId);
      const events = await storage.events.getEvents(result.runId);
      expect(run?.status, `${result.launch.stdout}\n${result.launch.stderr}\n${result.daemonOutput}`).toBe('SUCCESS');
      expectEveryEventInOrder(events, 2 * LINES_PER_STEP);

      // `job launch --wait` said what happened, waited, and printed the whole run.
      expect(result.launch.code, result.launch.stderr).toBe(0);
      expect(result.launch.stderr).toContain('runyard: storage is not answering');
      expect(result.launch.stderr).toContain('runyard: storage is back');
      expectNoStackTrace(result.launch);
      for (let i = 0; i < 2 * LINES_PER_STEP; i++) expect(result.launch.stdout).toContain(`line ${i}\n`);

      // `run logs --follow` across the restart: every event once, exit 0.
      expectFollowedExactlyOnce(result.follow, events);

      // The worker itself met the outage and kept its events (its notes are in its stderr).
      const workerStderr = await runCli(['run', 'logs', result.runId, '--stderr'], { env: env() });
      expect(workerStderr.stdout).toMatch(/runyard: storage is not answering \(.+\); keeping \d+ event\(s\)/);
    } finally {
      await storage.dispose();
    }
  }, 120_000);

  it("keeps the UI's event stream open through a restart, says so, and sends every event once", async () => {
    process.env.DATABASE_URL = server().url;
    const instance = await Instance.open({ home });
    const ui = await startUiServer({ instance, port: 0, uiDir: undefined });
    try {
      const runs = instance.storage.runs;
      const { runId } = await runs.createRun({ jobName: 'j', origin: { codeLocation: '/x.ts', source: 'test' } });
      await runs.transition({ runId, type: 'RUN_START' });
      await instance.storage.events.appendEvents([{ runId, type: 'LOG', message: 'before' }]);
      let step: Promise<void> | undefined;
      const act = (messages: readonly SseMessage[]) => {
        const last = messages.at(-1);
        if (last?.data.includes('"message":"before"')) step = server().halt();
        if (last?.event === 'storage' && last.data.includes('"available":false'))
          step = (async () => {
            await step;
            await server().restart();
            // The instance's own pool reconnects on its next query.
            await instance.storage.events.appendEvents([{ runId, type: 'LOG', message: 'after' }]);
            await runs.transition({ runId, type: 'RUN_SUCCESS' });
          })();
        return last?.event === 'end';
      };
      const messages = await readSse(`${ui.url}/api/runs/${runId}/events/stream`, { until: act, timeoutMs: 60_000 });
      await step;
      const storageNotes = messages.filter((m) => m.event === 'storage').map((m) => JSON.parse(m.data));
      expect(storageNotes).toEqual([
        {
          available: false,
          reason: expect.any(String),
        },
        { available: true },
      ]);
      const streamed = messages.filter((m) => m.event === 'run-event').map((m) => JSON.parse(m.data));
      const stored = await instance.storage.events.getEvents(runId);
      expect(streamed.map((e) => e.id)).toEqual(stored.map((e) => e.id));
      expect(streamed.map((e) => e.message).slice(1, 3)).toEqual(['before', 'after']);
    } finally {
      await ui.close();
      await instance.dispose();
      delete process.env.DATABASE_URL;
    }
  }, 120_000);
});
