import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, readSse, type SseMessage, startApiHarness } from '../fixtures/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.close();
});

const NAMED = { ops: { fetch_name: { config: { name: 'Ada' } } } };

async function launched(job: string, runConfig: unknown = {}) {
  const { status, body } = await h.api('POST', '/api/runs', { job, runConfig });
  expect(status).toBe(201);
  return body.run.runId as string;
}

const events = (messages: readonly SseMessage[]) =>
  messages.filter((m) => m.event === 'run-event').map((m) => JSON.parse(m.data));
const ended = (messages: readonly SseMessage[]) => messages.some((m) => m.event === 'end');

describe('events', () => {
  it('streams every event of a run live, in order with ids, then ends; Last-Event-ID resumes', async () => {
    const runId = await launched('greeting', NAMED);
    const url = `${h.server.url}/api/runs/${runId}/events/stream`;
    const all = await readSse(url, { until: ended });
    const streamed = events(all);
    expect(streamed[0].type).toBe('RUN_STARTING');
    expect(streamed.at(-1).type).toBe('RUN_SUCCESS');
    expect(all.at(-1)).toMatchObject({ event: 'end', data: '{"status":"SUCCESS"}' });
    const ids = all.filter((m) => m.id).map((m) => Number(m.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    // Exactly what storage holds, nothing missed and nothing twice.
    const stored = (await h.api('GET', `/api/runs/${runId}/events`)).body.events;
    expect(streamed.map((e: { id: number }) => e.id)).toEqual(stored.map((e: { id: number }) => e.id));

    const middle = ids[Math.floor(ids.length / 2)]!;
    const resumed = events(await readSse(url, { headers: { 'last-event-id': String(middle) }, until: ended }));
    expect(resumed.map((e: { id: number }) => e.id)).toEqual(ids.filter((id) => id > middle));
    // Reconnecting after the last event: no events, just the end.
    const after = await readSse(url, { headers: { 'last-event-id': String(ids.at(-1)) }, until: ended });
    expect(after).toEqual([{ event: 'end', data: '{"status":"SUCCESS"}' }]);
  });

  it('pages the stored events with after and limit, and filters by type', async () => {
    const runId = await launched('greeting', NAMED);
    await h.waitForStatus(runId, ['SUCCESS']);
    const all = (await h.api('GET', `/api/runs/${runId}/events`)).body;
    const firstTwo = (await h.api('GET', `/api/runs/${runId}/events?limit=2`)).body;
    expect(firstTwo.events).toEqual(all.events.slice(0, 2));
    const rest = (await h.api('GET', `/api/runs/${runId}/events?after=${firstTwo.lastEventId}`)).body;
    expect([...firstTwo.events, ...rest.events]).toEqual(all.events);
    const logs = (await h.api('GET', `/api/runs/${runId}/events?type=LOG`)).body.events;
    expect(logs.map((e: { message: string }) => e.message)).toContain('hello Ada');
  });

  it('serves the worker stdout and stderr, from an offset', async () => {
    const runId = await launched('greeting', NAMED);
    await h.waitForStatus(runId, ['SUCCESS']);
    const out = await h.api('GET', `/api/runs/${runId}/logs/stdout`);
    expect(out.status).toBe(200);
    expect(out.text).toContain('stdout says hello Ada');
    const size = Number(out.headers.get('x-log-size'));
    expect(size).toBe(Buffer.byteLength(out.text));
    const tail = await h.api('GET', `/api/runs/${runId}/logs/stdout?offset=${size}`);
    expect(tail.text).toBe('');
    expect((await h.api('GET', `/api/runs/${runId}/logs/stderr`)).text).toContain('stderr says hello Ada');
  });

  it('streams run status changes of every run', async () => {
    const streamed = readSse(`${h.server.url}/api/runs/stream`, {
      until: (messages) => messages.some((m) => JSON.parse(m.data).status === 'SUCCESS'),
    });
    // Give the subscription a moment to start before the run does.
    await new Promise((r) => setTimeout(r, 200));
    const runId = await launched('greeting', NAMED);
    const runs = (await streamed).map((m) => JSON.parse(m.data));
    expect(runs.every((r) => r.runId === runId)).toBe(true);
    expect(runs.map((r) => r.status)).toContain('SUCCESS');
  });
});

describe('terminate, retry, delete', () => {
  it('terminates a long run, which ends CANCELED; a second terminate is a conflict', async () => {
    const runId = await launched('slow');
    await h.waitForStatus(runId, ['STARTED']);
    const { status, body } = await h.api('POST', `/api/runs/${runId}/terminate`);
    expect([200, 202]).toContain(status);
    expect(['CANCELING', 'CANCELED']).toContain(body.run.status);
    await h.waitForStatus(runId, ['CANCELED']);
    const again = await h.api('POST', `/api/runs/${runId}/terminate`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already CANCELED/);
  });

  it('force-terminates at once', async () => {
    const runId = await launched('slow');
    await h.waitForStatus(runId, ['STARTED']);
    const { status, body } = await h.api('POST', `/api/runs/${runId}/terminate`, { force: true });
    expect(status).toBe(200);
    expect(body.run.status).toBe('CANCELED');
  });

  it('refuses a terminate body with unknown fields', async () => {
    const runId = await launched('slow');
    const bad = await h.api('POST', `/api/runs/${runId}/terminate`, { forse: true });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/forse/);
    await h.api('POST', `/api/runs/${runId}/terminate`, { force: true });
  });

  it("shows a failed step's error, retries the run linked to it, and refuses to retry a run in progress", async () => {
    const runId = await launched('fails');
    await h.waitForStatus(runId, ['FAILURE']);
    const shown = (await h.api('GET', `/api/runs/${runId}`)).body;
    expect(shown.steps[0]).toMatchObject({ stepKey: 'explode', status: 'FAILURE' });
    expect(shown.steps[0].error.message).toContain('the warehouse is on fire');
    const retry = await h.api('POST', `/api/runs/${runId}/retry`, { fromFailure: true });
    expect(retry.status).toBe(201);
    expect(retry.body.run).toMatchObject({ parentRunId: runId, tags: { 'runyard/parent_run_id': runId } });
    await h.waitForStatus(retry.body.run.runId, ['FAILURE']);

    const slow = await launched('slow');
    const busy = await h.api('POST', `/api/runs/${slow}/retry`);
    expect(busy.status).toBe(409);
    const deleting = await h.api('DELETE', `/api/runs/${slow}`);
    expect(deleting.status).toBe(409);
    expect(deleting.body.error.message).toMatch(/terminate it before deleting/);
    await h.api('POST', `/api/runs/${slow}/terminate`, { force: true });
  });

  it('deletes a finished run with its events and logs', async () => {
    const runId = await launched('greeting', NAMED);
    await h.waitForStatus(runId, ['SUCCESS']);
    expect((await h.api('DELETE', `/api/runs/${runId}`)).status).toBe(204);
    expect((await h.api('GET', `/api/runs/${runId}`)).status).toBe(404);
    expect(await h.instance.storage.events.getEvents(runId)).toEqual([]);
    expect((await h.api('DELETE', `/api/runs/${runId}`)).status).toBe(404);
  });
});
