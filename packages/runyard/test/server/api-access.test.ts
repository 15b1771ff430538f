import { Instance, startUiServer } from 'runyard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startApiHarness } from '../fixtures/api-harness.js';

const TOKEN = 'a-long-enough-test-token-0123456789';

describe('access token', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ authToken: TOKEN });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses every API call and page without the token, and with a wrong one', async () => {
    for (const route of ['/api/runs', '/api/jobs', '/api/instance', '/api/runs/stream', '/', '/runs/abc']) {
      const response = await h.api('GET', route);
      expect(response.status, route).toBe(401);
    }
    expect((await h.api('GET', '/api/runs', undefined, { authorization: 'Bearer wrong' })).body.error.message).toMatch(
      /token is wrong/,
    );
    expect((await h.api('POST', '/api/runs', { job: 'greeting' })).status).toBe(401);
  });

  it('accepts the bearer token', async () => {
    const response = await h.api('GET', '/api/runs', undefined, { authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(200);
  });

  it('sets an HttpOnly cookie from ?token= on a page, redirects without it, and accepts the cookie', async () => {
    const wrong = await h.api('GET', '/runs?token=nope');
    expect(wrong.status).toBe(401);
    const opened = await h.api('GET', `/runs?status=SUCCESS&token=${TOKEN}`);
    expect(opened.status).toBe(302);
    expect(opened.headers.get('location')).toBe('/runs?status=SUCCESS');
    const cookie = opened.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^runyard_token=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const withCookie = await h.api('GET', '/api/runs', undefined, { cookie: cookie.split(';')[0]! });
    expect(withCookie.status).toBe(200);
  });
});

describe('binding', () => {
  let instance: Instance;
  beforeAll(async () => {
    instance = await Instance.open({ ephemeral: true });
  });
  afterAll(async () => {
    await instance?.dispose();
  });

  it('refuses to listen beyond loopback without a token', async () => {
    await expect(startUiServer({ instance, host: '0.0.0.0', port: 0 })).rejects.toMatchObject({
      userError: true,
      message: expect.stringMatching(/0\.0\.0\.0 \(not loopback\) needs an access token.*--auth-token/),
    });
  });

  it('listens beyond loopback with a token', async () => {
    const server = await startUiServer({ instance, host: '0.0.0.0', port: 0, authToken: TOKEN });
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/api/health`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(response.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('says which port is taken', async () => {
    const first = await startUiServer({ instance, port: 0 });
    try {
      await expect(startUiServer({ instance, port: first.port })).rejects.toMatchObject({
        userError: true,
        message: expect.stringContaining(`cannot listen on 127.0.0.1:${first.port}: the port is in use`),
      });
    } finally {
      await first.close();
    }
  });
});
