/**
 * Another web page the user visits cannot use Runyard through their browser, while the UI keeps
 * working on its own origin, with and without an access token. Chromium maps `evil.example` to
 * 127.0.0.1, so a page can sit on a foreign name (DNS rebinding: the server's own port) or on
 * another port of the host, whose requests carry the token's cookie.
 */
import { createServer, type Server } from 'node:http';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeE2E, freePort, newPage, tid, type UiSession, useUiSession, waitFor } from './harness';

const TOKEN = 'e2e-foreign-token-0123456789';
const BROWSER_ARGS = ['--host-resolver-rules=MAP evil.example 127.0.0.1'];

/** The attacker's own web server: one empty page, on any name that reaches it. */
let attacker: Server;
let attackerPort: number;
beforeAll(async () => {
  attackerPort = await freePort();
  attacker = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>a page on another site</title><p>nothing to see</p>');
  });
  await new Promise<void>((resolve) => attacker.listen(attackerPort, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => attacker?.close(resolve));
});

/** What a page on `pageUrl` gets when it tries to list runs and to launch, terminate and retry. */
async function attack(page: Page, pageUrl: string, target: string, runningRunId: string) {
  await page.goto(pageUrl);
  return page.evaluate(
    async ({ target, runningRunId }) => {
      const outcome = async (request: Promise<Response>) => {
        try {
          const res = await request;
          return res.type === 'opaque' ? 'opaque' : `${res.status} ${(await res.text()).slice(0, 200)}`;
        } catch (error) {
          return `blocked: ${(error as Error).name}`;
        }
      };
      const launch = JSON.stringify({ job: 'quick_etl' });
      const json = { 'content-type': 'application/json' };
      // A form posting text/plain that reads as JSON: the classic way round a JSON API.
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = `${target}/api/runs`;
      form.enctype = 'text/plain';
      form.target = 'sink';
      const field = document.createElement('input');
      field.name = '{"job":"quick_etl","x":"';
      field.value = '"}';
      form.append(field);
      const sink = document.createElement('iframe');
      sink.name = 'sink';
      document.body.append(sink, form);
      const submitted = new Promise((resolve) => sink.addEventListener('load', resolve, { once: true }));
      form.submit();
      await Promise.race([submitted, new Promise((resolve) => setTimeout(resolve, 5000))]);
      return {
        read: await outcome(fetch(`${target}/api/runs`, { credentials: 'include' })),
        readNoCors: await outcome(fetch(`${target}/api/runs`, { credentials: 'include', mode: 'no-cors' })),
        launch: await outcome(
          fetch(`${target}/api/runs`, { method: 'POST', credentials: 'include', headers: json, body: launch }),
        ),
        launchNoCors: await outcome(
          fetch(`${target}/api/runs`, { method: 'POST', mode: 'no-cors', credentials: 'include', body: launch }),
        ),
        terminateNoCors: await outcome(
          fetch(`${target}/api/runs/${runningRunId}/terminate`, {
            method: 'POST',
            mode: 'no-cors',
            credentials: 'include',
          }),
        ),
        retryNoCors: await outcome(
          fetch(`${target}/api/runs/${runningRunId}/retry`, {
            method: 'POST',
            mode: 'no-cors',
            credentials: 'include',
          }),
        ),
      };
    },
    { target, runningRunId },
  );
}

function foreignSiteSuite(name: string, token?: string) {
  describeE2E(name, () => {
    const ui: UiSession = useUiSession({ args: token ? ['--auth-token', token] : [], browserArgs: BROWSER_ARGS });
    const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const api = async (pathname: string, init: { method?: string; body?: unknown } = {}) => {
      const res = await fetch(`${ui.server.url}${pathname}`, {
        method: init.method ?? 'GET',
        headers: { ...auth, ...(init.method && init.method !== 'GET' ? { 'content-type': 'application/json' } : {}) },
        ...(init.body ? { body: JSON.stringify(init.body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const port = () => new URL(ui.server.url).port;
    let runningRunId: string;

    beforeAll(async () => {
      // The user has the UI open (with the token's cookie, when there is one) and a run going.
      await ui.page.goto(token ? `${ui.server.url}/runs?token=${token}` : `${ui.server.url}/runs`);
      await ui.page.waitForURL((u) => u.pathname === '/runs' && !u.search.includes('token'));
      const launched = await api('/api/runs', { method: 'POST', body: { job: 'long_job' } });
      expect(launched.status).toBe(201);
      runningRunId = launched.body.run.runId;
      await waitFor(
        async () => (await api(`/api/runs/${runningRunId}`)).body.run.status === 'STARTED',
        'the run to start',
      );
    }, 60_000);

    afterAll(async () => {
      if (runningRunId) await api(`/api/runs/${runningRunId}/terminate`, { method: 'POST', body: { force: true } });
    });

    const runIds = async () => (await api('/api/runs')).body.runs.map((r: { runId: string }) => r.runId);

    it('a page on a rebound name (evil.example on the server port) gets no UI and no API', async () => {
      const page = await newPage(ui.browser);
      const response = await page.goto(`http://evil.example:${port()}/runs`);
      expect(response?.status()).toBe(421);
      expect(await page.locator('#root').count()).toBe(0);
      const outcome = await page.evaluate(async () => {
        const read = await fetch('/api/runs');
        const launch = await fetch('/api/runs', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ job: 'quick_etl' }),
        });
        return { read: read.status, readBody: await read.text(), launch: launch.status };
      });
      expect(outcome.read).toBe(421);
      expect(outcome.readBody).not.toContain(runningRunId);
      expect(outcome.launch).toBe(421);
      expect(await runIds()).toEqual([runningRunId]);
      await page.context().close();
    });

    it('a page on another site or another port can neither read the runs nor change anything', async () => {
      // Same browser context as the UI: the token's cookie is there to be sent.
      const samePortPage = await ui.page.context().newPage();
      for (const pageUrl of [`http://evil.example:${attackerPort}/`, `http://127.0.0.1:${attackerPort}/`]) {
        const outcome = await attack(samePortPage, pageUrl, ui.server.url, runningRunId);
        // Every attempt is blocked by the browser (CORS, CORP) or opaque to the page; what the
        // server did with the ones it received is checked below.
        for (const [what, result] of Object.entries(outcome))
          expect(result, `${pageUrl} ${what}`).toMatch(/^(blocked|opaque)/);
      }
      await samePortPage.close();
      // Nothing was launched, terminated or retried.
      expect(await runIds()).toEqual([runningRunId]);
      expect((await api(`/api/runs/${runningRunId}`)).body.run.status).toBe('STARTED');
    });

    it('cannot frame the UI', async () => {
      const page = await ui.page.context().newPage();
      await page.goto(`http://evil.example:${attackerPort}/`);
      await page.evaluate((src) => {
        const frame = document.createElement('iframe');
        frame.src = src;
        document.body.append(frame);
        return new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
      }, `${ui.server.url}/runs`);
      const framed = page.frames().find((f) => f !== page.mainFrame());
      expect(framed).toBeDefined();
      // frame-ancestors 'none': Chromium shows its error page in the frame, not the UI.
      const shown = await waitFor(async () => {
        const url = framed!.url();
        return url && url !== 'about:blank' ? url : undefined;
      }, 'the frame to load');
      expect(shown).toBe('chrome-error://chromewebdata/');
      expect(await framed!.locator(tid('nav-schedules')).count()).toBe(0);
      await page.close();
    });

    it('the UI on its own origin keeps working: pages, live streams, launch and terminate, no CSP violation', async () => {
      const violations: string[] = [];
      ui.page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      await ui.page.goto(`${ui.server.url}/launchpad?job=quick_etl`);
      await ui.page.waitForSelector(`${tid('launchpad-validation')}[data-state="valid"]`);
      await ui.page.click(tid('launchpad-launch'));
      await ui.page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
      await ui.page.waitForSelector(`${tid('run-status')}[data-status="SUCCESS"]`, { timeout: 60_000 });
      expect(await ui.page.locator(tid('event-row')).count()).toBeGreaterThan(0);

      await ui.page.goto(`${ui.server.url}/runs/${runningRunId}`);
      await ui.page.click(tid('run-terminate'));
      await ui.page.click(tid('terminate-dialog-confirm'));
      await ui.page.waitForSelector(`${tid('run-status')}[data-status="CANCELED"]`, { timeout: 60_000 });
      for (const route of ['/jobs', '/schedules', '/instance']) {
        await ui.page.goto(`${ui.server.url}${route}`);
        await ui.page.waitForLoadState('networkidle');
      }
      expect(violations).toEqual([]);
    });
  });
}

describe('UI: other sites', () => {
  foreignSiteSuite('without a token');
  foreignSiteSuite('with a token', TOKEN);
});
