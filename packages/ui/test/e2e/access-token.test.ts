/**
 * A server started with an access token: `?token=` lets the browser in (the cookie also serves the
 * EventSource streams), and once the API answers 401 the app says a token is needed and how to
 * give it, instead of showing broken pages.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeE2E, ensureUiBuilt, launchBrowser, newPage, type RunningServer, startServer } from './harness';

const tid = (id: string) => `[data-testid="${id}"]`;
const TOKEN = 'e2e-token-0123456789abcdef';

describeE2E('UI: access token', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await ensureUiBuilt();
    [server, browser] = await Promise.all([startServer({ args: ['--auth-token', TOKEN] }), launchBrowser()]);
    page = await newPage(browser);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('opens with ?token=, then shows the token page when the API refuses', async () => {
    await page.goto(`${server.url}/jobs?token=${TOKEN}`);
    // The server sets the cookie and drops the token from the address.
    await page.waitForURL((u) => u.pathname === '/jobs' && !u.search.includes('token'));
    await page.waitForSelector(tid('job-row-quick_etl'));
    // Live streams authenticate with the same cookie.
    const launched = await page.evaluate(async () => {
      const res = await fetch('/api/runs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ job: 'quick_etl' }),
      });
      return ((await res.json()) as { run: { runId: string } }).run.runId;
    });
    await page.goto(`${server.url}/runs/${launched}`);
    await page.waitForSelector(`${tid('run-status')}[data-status="SUCCESS"]`, { timeout: 60_000 });
    expect(await page.locator(tid('event-row')).count()).toBeGreaterThan(0);

    // The cookie goes away (a new token, an expired session): the next request gets 401.
    await page.context().clearCookies();
    await page.click(tid('nav-schedules'));
    await page.waitForSelector(tid('token-needed'));
    expect(await page.locator(tid('token-example')).textContent()).toContain('?token=');
    expect(await page.locator(tid('token-needed')).textContent()).toContain('--auth-token');
  });
});
