/**
 * A server started with an access token: `?token=` lets the browser in (the cookie also serves the
 * EventSource streams), and once the API answers 401 the app says a token is needed and how to
 * give it, instead of showing broken pages.
 */
import { expect, it } from 'vitest';
import { describeE2E, tid, useUiSession } from './harness';

const TOKEN = 'e2e-token-0123456789abcdef';

describeE2E('UI: access token', () => {
  const ui = useUiSession({ args: ['--auth-token', TOKEN] });

  it('opens with ?token=, then shows the token page when the API refuses', async () => {
    await ui.page.goto(`${ui.server.url}/jobs?token=${TOKEN}`);
    // The server sets the cookie and drops the token from the address.
    await ui.page.waitForURL((u) => u.pathname === '/jobs' && !u.search.includes('token'));
    await ui.page.waitForSelector(tid('job-row-quick_etl'));
    // Live streams authenticate with the same cookie.
    const launched = await ui.page.evaluate(async () => {
      const res = await fetch('/api/runs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ job: 'quick_etl' }),
      });
      return ((await res.json()) as { run: { runId: string } }).run.runId;
    });
    await ui.page.goto(`${ui.server.url}/runs/${launched}`);
    await ui.page.waitForSelector(`${tid('run-status')}[data-status="SUCCESS"]`, { timeout: 60_000 });
    expect(await ui.page.locator(tid('event-row')).count()).toBeGreaterThan(0);

    // The cookie goes away (a new token, an expired session): the next request gets 401.
    await ui.page.context().clearCookies();
    await ui.page.click(tid('nav-schedules'));
    await ui.page.waitForSelector(tid('token-needed'));
    expect(await ui.page.locator(tid('token-example')).textContent()).toContain('?token=');
    expect(await ui.page.locator(tid('token-needed')).textContent()).toContain('--auth-token');
  });
});
