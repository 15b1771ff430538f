import { PostgresStorage } from '@runyard/postgres';
import { afterEach, expect, it } from 'vitest';
import { adminQuery, describeWithPostgres, dropSchema, freshSchemaName } from './support/with-postgres.js';

const ORIGIN = { codeLocation: '/defs.ts', source: 'test' } as const;

/** Counts a listener's calls and lets a test wait for the next one. */
function callCounter() {
  let calls = 0;
  const waiters: Array<() => void> = [];
  return {
    listener: () => {
      calls++;
      for (const wake of waiters.splice(0)) wake();
    },
    get calls() {
      return calls;
    },
    /** Resolves at the next call after now; rejects after `ms`. */
    next(ms = 5_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no call within ${ms} ms`)), ms);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describeWithPostgres('PostgresStorage: events pushed with LISTEN/NOTIFY', (server) => {
  const opened: PostgresStorage[] = [];
  let schema: string;

  async function open(inSchema = schema): Promise<PostgresStorage> {
    const storage = await PostgresStorage.open({ url: server().url, schema: inSchema, poolSize: 2 });
    opened.push(storage);
    return storage;
  }

  afterEach(async () => {
    for (const storage of opened.splice(0)) await storage.dispose();
    if (schema) await dropSchema(server(), schema);
  });

  it('calls a listener in one storage when another stores events or changes a status', async () => {
    schema = freshSchemaName('notify');
    const watcher = await open();
    const writer = await open();
    const counter = callCounter();
    const subscription = await watcher.events.onEventsStored(counter.listener);
    const run = await writer.runs.createRun({ jobName: 'j', origin: ORIGIN });

    const appended = counter.next();
    const [event] = await writer.events.appendEvents([{ runId: run.runId, type: 'LOG', message: 'hi' }]);
    await appended;
    // The call comes after the commit: what woke us is readable.
    expect(await watcher.events.getEventsAfter((event?.id ?? 1) - 1)).toHaveLength(1);

    const transitioned = counter.next();
    await writer.runs.transition({ runId: run.runId, type: 'RUN_START' });
    await transitioned;
    await subscription.close();
  });

  it('stays quiet for events of other schemas, for lost transitions, and after close', async () => {
    schema = freshSchemaName('notify');
    const other = freshSchemaName('notify_other');
    try {
      const watcher = await open();
      const elsewhere = await open(other);
      const counter = callCounter();
      const subscription = await watcher.events.onEventsStored(counter.listener);
      const foreign = await elsewhere.runs.createRun({ jobName: 'j', origin: ORIGIN });
      await elsewhere.events.appendEvents([{ runId: foreign.runId, type: 'LOG' }]);
      await settle();
      expect(counter.calls).toBe(0);

      const run = await watcher.runs.createRun({ jobName: 'j', origin: ORIGIN });
      const refused = await watcher.runs.transition({ runId: run.runId, type: 'RUN_SUCCESS' });
      expect(refused.applied).toBe(false);
      await settle();
      expect(counter.calls).toBe(0);

      await subscription.close();
      await subscription.close();
      await watcher.events.appendEvents([{ runId: run.runId, type: 'LOG' }]);
      await settle();
      expect(counter.calls).toBe(0);
    } finally {
      await dropSchema(server(), other);
    }
  });

  it('coalesces the calls of one batch, and serves several subscribers on one connection', async () => {
    schema = freshSchemaName('notify');
    const storage = await open();
    const a = callCounter();
    const b = callCounter();
    const subA = await storage.events.onEventsStored(a.listener);
    const subB = await storage.events.onEventsStored(b.listener);
    const listeners = await adminQuery(
      server(),
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'LISTEN runyard_events'",
    );
    expect(listeners).toEqual([{ n: 1 }]);
    const run = await storage.runs.createRun({ jobName: 'j', origin: ORIGIN });
    const both = Promise.all([a.next(), b.next()]);
    await storage.events.appendEvents(Array.from({ length: 50 }, () => ({ runId: run.runId, type: 'LOG' as const })));
    await both;
    await settle();
    expect([a.calls, b.calls]).toEqual([1, 1]);
    await subA.close();
    await subB.close();
  });

  it('reconnects when the listening connection is killed, calls once to make up for it, and goes on', async () => {
    schema = freshSchemaName('notify');
    const watcher = await open();
    const writer = await open();
    const counter = callCounter();
    const subscription = await watcher.events.onEventsStored(counter.listener);
    const run = await writer.runs.createRun({ jobName: 'j', origin: ORIGIN });

    const makeUp = counter.next(10_000);
    const killed = await adminQuery<{ ok: boolean }>(
      server(),
      "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE query = 'LISTEN runyard_events'",
    );
    expect(killed).toEqual([{ ok: true }]);
    // Written while nobody listens: only the call after reconnecting tells the watcher to look.
    await writer.events.appendEvents([{ runId: run.runId, type: 'LOG', message: 'missed' }]);
    await makeUp;
    expect(counter.calls).toBeGreaterThanOrEqual(1);

    const live = counter.next();
    await writer.events.appendEvents([{ runId: run.runId, type: 'LOG', message: 'live' }]);
    await live;
    await subscription.close();
    const left = await adminQuery(
      server(),
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'LISTEN runyard_events'",
    );
    expect(left).toEqual([{ n: 0 }]);
  });

  it('closes the listening connection on dispose', async () => {
    schema = freshSchemaName('notify');
    const storage = await open();
    await storage.events.onEventsStored(() => {});
    await storage.dispose();
    const left = await adminQuery(
      server(),
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'LISTEN runyard_events'",
    );
    expect(left).toEqual([{ n: 0 }]);
  });
});
