/**
 * Other web pages cannot use the server through the user's browser: a foreign Host (DNS
 * rebinding) is refused before any route, changes need the JSON content type and the server's own
 * origin, and the token's cookie does not let a page on another port act.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startApiHarness } from '../fixtures/api-harness.js';
import { rawRequest } from './raw-http.js';

const TOKEN = 'a-long-enough-test-token-0123456789';
const uiDir = mkdtempSync(path.join(tmpdir(), 'runyard-ui-dist-'));
mkdirSync(path.join(uiDir, 'assets'));
writeFileSync(
  path.join(uiDir, 'index.html'),
  '<!doctype html><div id="root"></div><script src="/assets/app.js"></script>',
);
writeFileSync(path.join(uiDir, 'assets/app.js'), 'console.log("app")');

let h: ApiHarness;
let port: number;
beforeAll(async () => {
  h = await startApiHarness({ uiDir, allowedHosts: ['runyard.example.com'] });
  port = h.server.port;
});
afterAll(async () => {
  await h?.close();
  rmSync(uiDir, { recursive: true, force: true });
});

const send = (route: string, options: Parameters<typeof rawRequest>[1] = {}) =>
  rawRequest(`${h.server.url}${route}`, options);

async function launched(job: string) {
  const { status, body } = await h.api('POST', '/api/runs', { job, runConfig: {} });
  expect(status).toBe(201);
  return body.run.runId as string;
}

describe('Host check', () => {
  it('refuses a foreign Host on the API and on pages, before any route', async () => {
    const api = await send('/api/instance', { headers: { host: `evil.example:${port}` } });
    expect(api.status).toBe(421);
    expect(api.body.error).toMatchObject({
      code: 'host_not_allowed',
      message: expect.stringContaining('evil.example'),
    });
    expect(api.text).not.toContain(h.home);
    const page = await send('/', { headers: { host: `evil.example:${port}` } });
    expect(page.status).toBe(421);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).not.toContain('id="root"');
    expect(page.text).toContain('--allowed-host');
    const script = await send('/assets/app.js', { headers: { host: 'evil.example' } });
    expect(script.status).toBe(421);
    const launch = await send('/api/runs', {
      method: 'POST',
      headers: { host: `evil.example:${port}`, 'content-type': 'application/json' },
      body: JSON.stringify({ job: 'greeting', runConfig: { ops: { fetch_name: { config: { name: 'x' } } } } }),
    });
    expect(launch.status).toBe(421);
    expect((await h.api('GET', '/api/runs')).body.runs).toEqual([]);
  });

  it('answers loopback names and addresses, and the names given with allowedHosts', async () => {
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `[::1]:${port}`,
      '127.0.0.2',
      'runyard.example.com',
    ]) {
      const response = await send('/api/health', { headers: { host } });
      expect(response.status, host).toBe(200);
    }
    for (const host of [
      'localhost.evil.example',
      'runyard.example.com.evil.example',
      '127.0.0.1.nip.io',
      'evil.example',
    ]) {
      const response = await send('/api/health', { headers: { host } });
      expect(response.status, host).toBe(421);
    }
  });
});

describe('changes from other pages', () => {
  it('refuses a no-cors terminate (no content type, no body), from another site or with none', async () => {
    const runId = await launched('slow');
    await h.waitForStatus(runId, ['STARTED']);
    const fromPage = await send(`/api/runs/${runId}/terminate`, {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(fromPage.status).toBe(403);
    expect(fromPage.body.error.code).toBe('forbidden_origin');
    const bare = await send(`/api/runs/${runId}/terminate`, { method: 'POST' });
    expect(bare.status).toBe(415);
    expect(bare.body.error.message).toMatch(/content-type: application\/json \(also with no body\)/);
    // What a cross-site form or no-cors fetch can send: text/plain with a JSON-looking body.
    const form = await send(`/api/runs/${runId}/terminate`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"force":true}',
    });
    expect(form.status).toBe(415);
    expect((await h.instance.storage.runs.getRun(runId))?.status).toBe('STARTED');
    // The UI's own request passes.
    const own = await send(`/api/runs/${runId}/terminate`, {
      method: 'POST',
      headers: { origin: h.server.url, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
      body: '{"force":true}',
    });
    expect(own.status).toBeLessThan(300);
    await h.waitForStatus(runId, ['CANCELED']);
  });

  it('refuses a no-cors retry, delete and schedule start/stop', async () => {
    const runId = await launched('fails');
    await h.waitForStatus(runId, ['FAILURE']);
    for (const [method, route] of [
      ['POST', `/api/runs/${runId}/retry`],
      ['DELETE', `/api/runs/${runId}`],
      ['POST', '/api/schedules/hourly_greeting/start'],
      ['POST', '/api/schedules/hourly_greeting/stop'],
    ] as const) {
      const crossSite = await send(route, { method, headers: { origin: 'http://evil.example' } });
      expect(crossSite.status, route).toBe(403);
      const noType = await send(route, { method });
      expect(noType.status, route).toBe(415);
    }
    expect((await h.api('GET', '/api/runs')).body.runs.map((r: { runId: string }) => r.runId)).toEqual([
      runId,
      expect.any(String),
    ]);
    expect((await h.api('GET', '/api/schedules')).body.schedules[0].status).toBe('STOPPED');
  });

  it('answers a preflight only for its own origin', async () => {
    const headers = { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' };
    const foreign = await send('/api/runs', {
      method: 'OPTIONS',
      headers: { ...headers, origin: 'http://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    const own = await send('/api/runs', { method: 'OPTIONS', headers: { ...headers, origin: h.server.url } });
    expect(own.status).toBe(204);
    expect(own.headers['access-control-allow-origin']).toBe(h.server.url);
  });
});

describe('the token cookie on another port', () => {
  let t: ApiHarness;
  let cookie: string;
  beforeAll(async () => {
    t = await startApiHarness({ authToken: TOKEN });
    const opened = await t.api('GET', `/runs?token=${TOKEN}`);
    cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0]!;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('does not let a page on another port of the host read or change anything', async () => {
    const runId = (await t.api('POST', '/api/runs', { job: 'slow' }, { cookie })).body.run.runId as string;
    await t.waitForStatus(runId, ['STARTED']);
    const otherPort = `http://127.0.0.1:${t.server.port + 1}`;
    const page = { cookie, origin: otherPort, 'sec-fetch-site': 'same-site' };
    const terminate = await rawRequest(`${t.server.url}/api/runs/${runId}/terminate`, {
      method: 'POST',
      headers: { ...page, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(terminate.status).toBe(403);
    const read = await rawRequest(`${t.server.url}/api/runs`, { headers: page });
    expect(read.status).toBe(403);
    const stream = await rawRequest(`${t.server.url}/api/runs/${runId}/events/stream`, {
      headers: { cookie, 'sec-fetch-site': 'same-site' },
    });
    expect(stream.status).toBe(403);
    expect((await t.instance.storage.runs.getRun(runId))?.status).toBe('STARTED');
    // The same cookie from the UI's own origin still works.
    const own = await rawRequest(`${t.server.url}/api/runs/${runId}/terminate`, {
      method: 'POST',
      headers: { cookie, origin: t.server.url, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
      body: '{"force":true}',
    });
    expect(own.status).toBeLessThan(300);
    await t.waitForStatus(runId, ['CANCELED']);
  });
});
