import { Hono } from 'hono';
import { z } from 'zod';
import type { RunEvent, RunEventType } from '../../events/run-event.js';
import { STEP_STATS_EVENT_TYPES, stepStatsFromEvents } from '../../events/step-stats.js';
import { findRun } from '../../runs/find-run.js';
import { isTerminalStatus } from '../../runs/run-status.js';
import { followRunEvents } from '../follow-run-events.js';
import { conflict } from '../http-error.js';
import { readJsonBody } from '../request-body.js';
import { intParam } from '../run-query.js';
import type { ServerContext } from '../server-context.js';
import { sseResponse } from '../sse-stream.js';
import { terminateWithin } from '../terminate-within.js';

const TERMINAL_EVENTS: ReadonlySet<RunEventType> = new Set(['RUN_SUCCESS', 'RUN_FAILURE', 'RUN_CANCELED']);

/**
 * The hub hands the same event objects to every stream following a run, so each is turned into
 * JSON once, not once per open tab.
 */
const serialized = new WeakMap<RunEvent, string>();
function eventJson(event: RunEvent): string {
  let json = serialized.get(event);
  if (json === undefined) {
    json = JSON.stringify(event);
    serialized.set(event, json);
  }
  return json;
}

const terminateBody = z.strictObject({ force: z.boolean().optional() });
const retryBody = z.strictObject({
  fromFailure: z.boolean().optional(),
  /** Re-execute only these steps, reading the others' outputs from the run (docs/step-selection.md). */
  selection: z.string().optional(),
});

/** One run: show, events (read and live), compute logs, terminate, retry, delete. */
export function runRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  const storage = () => ctx.instance.storage;
  const run = (id: string) => findRun(storage().runs, id);

  app.get('/:id', async (c) => {
    const found = await run(c.req.param('id'));
    const events = await storage().events.getEvents(found.runId, {
      types: [...STEP_STATS_EVENT_TYPES],
    });
    const failures = new Map(events.filter((e) => e.type === 'STEP_FAILURE').map((e) => [e.stepKey, e.error]));
    const steps = stepStatsFromEvents(events).map((s) => {
      const error = s.status === 'FAILURE' ? failures.get(s.stepKey) : undefined;
      return error ? { ...s, error } : s;
    });
    return c.json({ run: found, steps });
  });

  app.get('/:id/events', async (c) => {
    const found = await run(c.req.param('id'));
    const query = new URL(c.req.url).searchParams;
    const after = intParam(query, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = intParam(query, 'limit', 1000, 1, 10_000);
    const types = query.getAll('type') as RunEventType[];
    const events = await storage().events.getEvents(found.runId, {
      afterId: after,
      limit,
      ...(types.length ? { types } : {}),
    });
    return c.json({ events, lastEventId: events.length ? events[events.length - 1]!.id : after });
  });

  app.get('/:id/events/stream', async (c) => {
    const found = await run(c.req.param('id'));
    const query = new URL(c.req.url).searchParams;
    // EventSource sends Last-Event-ID when it reconnects; `after` lets a fresh page start anywhere.
    const header = c.req.header('last-event-id');
    const after =
      header && /^\d+$/.test(header) ? Number(header) : intParam(query, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
    return sseResponse(c, ctx, async (sink) => {
      let sent = 0;
      const deliver = (events: readonly RunEvent[]) => {
        for (const event of events) {
          sink.send({ id: String(event.id), event: 'run-event', data: eventJson(event) });
          sent++;
          if (TERMINAL_EVENTS.has(event.type)) {
            sink.send({ event: 'end', data: JSON.stringify({ status: event.type.slice(4) }) });
            sink.end();
          }
        }
      };
      // While storage is unreachable the stream stays open and says so; the events come after.
      const stopNotes = ctx.hub.onStorageState((state) => sink.send({ event: 'storage', data: JSON.stringify(state) }));
      const unfollow = await followRunEvents(ctx.hub, storage().events, found.runId, after, deliver);
      const stop = () => {
        stopNotes();
        unfollow();
      };
      // Reconnecting after the end: nothing new will come, so say so instead of holding the socket.
      if (sent === 0 && isTerminalStatus(found.status)) {
        sink.send({ event: 'end', data: JSON.stringify({ status: found.status }) });
        sink.end();
      }
      return stop;
    });
  });

  for (const stream of ['stdout', 'stderr'] as const) {
    app.get(`/:id/logs/${stream}`, async (c) => {
      const found = await run(c.req.param('id'));
      const offset = intParam(new URL(c.req.url).searchParams, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
      const logs = await ctx.instance.computeLogs();
      const chunk = await logs.read(found.runId, stream, { offset, maxBytes: 4 * 1024 * 1024 });
      return c.text(chunk.data, 200, {
        'x-log-size': String(chunk.nextOffset),
        'x-log-exists': String(chunk.exists),
      });
    });
  }

  app.post('/:id/terminate', async (c) => {
    const body = await readJsonBody(c, terminateBody);
    const found = await run(c.req.param('id'));
    if (isTerminalStatus(found.status))
      throw conflict(`run ${found.runId} is already ${found.status}; nothing to terminate`);
    const outcome = await terminateWithin(ctx.instance, found.runId, { force: body.force === true });
    return c.json({ result: outcome.result, run: outcome.run }, outcome.done ? 200 : 202);
  });

  app.post('/:id/retry', async (c) => {
    const body = await readJsonBody(c, retryBody);
    const parent = await run(c.req.param('id'));
    if (!isTerminalStatus(parent.status))
      throw conflict(`run ${parent.runId} is ${parent.status}; only a run that has finished can be retried`);
    const { retryRun } = await import('../../retries/retry-run.js');
    const { run: retry } = await retryRun(ctx.instance, parent, {
      strategy: body.fromFailure ? 'from-failure' : 'all-steps',
      selection: body.selection,
      source: c.req.header('x-runyard-client') === 'ui' ? 'ui' : 'api',
    });
    return c.json({ run: retry }, 201);
  });

  app.delete('/:id', async (c) => {
    const found = await run(c.req.param('id'));
    if (!isTerminalStatus(found.status) && found.status !== 'NOT_STARTED')
      throw conflict(`run ${found.runId} is ${found.status}; terminate it before deleting it`);
    await storage().runs.deleteRun(found.runId);
    await (await ctx.instance.computeLogs()).delete(found.runId);
    return c.body(null, 204);
  });

  return app;
}
