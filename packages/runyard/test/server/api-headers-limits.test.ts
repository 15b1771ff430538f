/**
 * Every answer carries the security headers; no redirect leaves the server's origin; one client
 * cannot hold unbounded event streams; deeply nested bodies are refused before they are parsed.
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
writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><div id="root"></div>');
writeFileSync(path.join(uiDir, 'assets/app.js'), 'console.log("app")');

let h: ApiHarness;
let t: ApiHarness;
beforeAll(async () => {
  [h, t] = await Promise.all([
    startApiHarness({ uiDir, maxStreamsPerClient: 3 }),
    startApiHarness({ uiDir, authToken: TOKEN }),
  ]);
});
afterAll(async () => {
  await Promise.all([h?.close(), t?.close()]);
  rmSync(uiDir, { recursive: true, force: true });
});

describe('security headers', () => {
  it('are on API answers, pages, static files, errors and 404s', async () => {
    const answers = [
      ['api', await h.api('GET', '/api/runs')],
      ['page', await h.api('GET', '/runs/abc')],
      ['static', await h.api('GET', '/assets/app.js')],
      ['api 404', await h.api('GET', '/api/nothing')],
      ['run 404', await h.api('GET', '/api/runs/zzzz9999')],
      ['400', await h.api('POST', '/api/runs', '{not json')],
      ['401 page', await t.api('GET', '/')],
      ['401 api', await t.api('GET', '/api/runs')],
      ['421', await rawRequest(`${h.server.url}/api/runs`, { headers: { host: 'evil.example' } })],
    ] as const;
    for (const [what, answer] of answers) {
      const header = (name: string) =>
        answer.headers instanceof Headers ? answer.headers.get(name) : (answer.headers[name] as string | undefined);
      const csp = header('content-security-policy') ?? '';
      expect(csp, what).toContain("frame-ancestors 'none'");
      expect(csp, what).toContain("script-src 'self'");
      expect(csp, what).toContain("style-src 'self'");
      expect(csp, what).not.toContain('unsafe');
      expect(header('x-frame-options'), what).toBe('DENY');
      expect(header('x-content-type-options'), what).toBe('nosniff');
      expect(header('referrer-policy'), what).toBe('no-referrer');
    }
  });
});

describe('redirects', () => {
  it('never leave the origin: //evil.example/x?token= goes to a path on this server', async () => {
    for (const [route, location] of [
      [`//evil.example/x?token=${TOKEN}`, '/evil.example/x'],
      [`///evil.example/x?a=1&token=${TOKEN}`, '/evil.example/x?a=1'],
      [`/%2F%2Fevil.example/x?token=${TOKEN}`, '/%2F%2Fevil.example/x'],
      [`/runs?token=${TOKEN}`, '/runs'],
    ]) {
      const answer = await rawRequest(`${t.server.url}${route}`);
      expect(answer.status, route).toBe(302);
      expect(answer.headers.location, route).toBe(location);
      expect(new URL(answer.headers.location as string, t.server.url).origin).toBe(t.server.url);
    }
  });
});

describe('event streams', () => {
  it('refuses one more stream than a client may hold, with a 429, and frees a slot when one closes', async () => {
    const open = await Promise.all(
      [0, 1, 2].map(async () => {
        const controller = new AbortController();
        const response = await fetch(`${h.server.url}/api/runs/stream`, { signal: controller.signal });
        expect(response.status).toBe(200);
        return controller;
      }),
    );
    const extra = new AbortController();
    open.push(extra);
    const refused = await fetch(`${h.server.url}/api/runs/stream`, { signal: extra.signal });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: unknown }).error).toMatchObject({
      code: 'too_many_streams',
      message: expect.stringMatching(/3 event streams/),
    });
    open[0]!.abort();
    let again: Response | undefined;
    for (let i = 0; i < 100 && again?.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      again = await fetch(`${h.server.url}/api/runs/stream`, { signal: open[1]!.signal });
    }
    expect(again?.status).toBe(200);
    for (const controller of open) controller.abort();
  });
});

describe('nesting depth', () => {
  it('refuses a JSON body nested deeper than 64 levels with a 400, before parsing it', async () => {
    const deep = `{"job":"greeting","runConfig":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    const answer = await h.api('POST', '/api/runs/validate', deep);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({
      code: 'too_deeply_nested',
      message: 'the JSON body nests 100002 levels deep; at most 64 are accepted',
    });
  });

  it('refuses run config YAML nested deeper than 64 levels with a 400, and takes ordinary YAML', async () => {
    for (const yaml of [
      `x: ${'['.repeat(50_000)}${']'.repeat(50_000)}`,
      `x: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}`,
    ]) {
      const answer = await h.api('POST', '/api/runs/validate', { job: 'greeting', runConfigYaml: yaml });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('too_deeply_nested');
      expect(answer.body.error.message).toMatch(/^runConfigYaml nests \d+ levels deep; at most 64 are accepted$/);
    }
    const fine = await h.api('POST', '/api/runs/validate', {
      job: 'greeting',
      runConfigYaml: 'ops:\n  fetch_name:\n    config:\n      name: Ada\n',
    });
    expect(fine.body).toEqual({ valid: true, issues: [] });
  });
});
