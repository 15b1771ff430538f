/**
 * The pages around runs: the job graph and launch link, schedules on and off, the instance page's
 * daemon health, client-side navigation, and the screenshots of each.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeE2E,
  ensureUiBuilt,
  launchBrowser,
  newPage,
  type RunningServer,
  screenshot,
  startServer,
  waitFor,
} from './harness';

const tid = (id: string) => `[data-testid="${id}"]`;

describeE2E('UI: jobs, schedules and instance', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await ensureUiBuilt();
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    page = await newPage(browser);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("draws a job's graph with its edges, shows step details and links to the launchpad", async () => {
    await page.goto(`${server.url}/jobs`);
    await page.click(`${tid('job-row-quick_etl')} ${tid('job-link')}`);
    await page.waitForURL(/\/jobs\/quick_etl$/);
    for (const step of ['extract', 'double', 'sum', 'count', 'report']) {
      await page.waitForSelector(tid(`graph-node-${step}`));
    }
    for (const [from, to] of [
      ['extract', 'double'],
      ['double', 'sum'],
      ['extract', 'count'],
      ['sum', 'report'],
      ['count', 'report'],
    ]) {
      expect(await page.locator(tid(`graph-edge-${from}-${to}`)).count()).toBe(1);
    }
    // Upstream steps are drawn above their downstream ones.
    const y = async (key: string) => (await page.locator(tid(`graph-node-${key}`)).boundingBox())!.y;
    expect(await y('extract')).toBeLessThan(await y('double'));
    expect(await y('sum')).toBeLessThan(await y('report'));

    await page.click(tid('graph-node-extract'));
    await page.waitForSelector(`${tid('step-details-key')}:has-text("extract")`);
    expect(await page.locator(tid('step-details-schema')).textContent()).toContain('"count"');
    await screenshot(page, 'job-graph');

    await page.click(tid('job-launch'));
    await page.waitForURL(/\/launchpad\?job=quick_etl$/);
    await page.waitForSelector(`${tid('launchpad-validation')}[data-state="valid"]`);
  });

  it('starts and stops a schedule', async () => {
    await page.goto(`${server.url}/schedules`);
    const card = tid('schedule-e2e_hourly');
    await page.waitForSelector(`${card}[data-status="STOPPED"]`);
    expect(await page.locator(tid('schedule-cron-e2e_hourly')).textContent()).toBe('0 * * * *');

    await page.click(tid('schedule-toggle-e2e_hourly'));
    await page.waitForSelector(`${card}[data-status="RUNNING"]`);
    await waitFor(
      async () => (await server.api('/api/schedules')).body.schedules[0].status === 'RUNNING',
      'the server to report the schedule running',
    );
    // A running schedule shows when it ticks next (relative text, whatever the machine's timezone).
    await page.waitForSelector(`${tid('schedule-next-e2e_hourly')}:has-text("(in ")`);
    await screenshot(page, 'schedules');

    await page.click(tid('schedule-toggle-e2e_hourly'));
    await page.waitForSelector(`${card}[data-status="STOPPED"]`);
    await waitFor(
      async () => (await server.api('/api/schedules')).body.schedules[0].status === 'STOPPED',
      'the server to report the schedule stopped',
    );
    // What the page shows survives a reload: it came from the server.
    await page.reload();
    await page.waitForSelector(`${card}[data-status="STOPPED"]`);
  });

  it('shows the daemon healthy and the instance configuration', async () => {
    await page.goto(`${server.url}/instance`);
    for (const daemon of ['SCHEDULER', 'MONITORING']) {
      await page.waitForSelector(`${tid(`daemon-${daemon}`)}[data-healthy="true"]`);
    }
    await page.waitForSelector(`${tid('instance-runLauncher')}:has-text("ProcessRunLauncher")`);
    await page.waitForSelector(`${tid('instance-storage')}:has-text("SqliteStorage")`);
    await page.waitForSelector(`${tid('instance-computeLogs')}`);
    await screenshot(page, 'instance');
  });

  it('navigates between pages with the top bar without reloading the document', async () => {
    await page.goto(`${server.url}/runs`);
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 42;
    });
    for (const [nav, testId] of [
      ['nav-jobs', 'jobs-page'],
      ['nav-schedules', 'schedules-page'],
      ['nav-instance', 'instance-page'],
      ['nav-launchpad', 'launchpad-page'],
      ['nav-runs', 'runs-page'],
    ] as const) {
      await page.click(tid(nav));
      await page.waitForSelector(tid(testId));
    }
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await page.goBack();
    await page.waitForSelector(tid('launchpad-page'));

    // Deep links load the app (the server falls back to index.html), and unknown runs say so.
    await page.goto(`${server.url}/runs/00000000-0000-0000-0000-000000000000`);
    await page.waitForSelector(tid('run-not-found'));
  });
});
