/**
 * The pages around runs: the job graph and launch link, schedules on and off, the instance page's
 * daemon health, client-side navigation, and the screenshots of each.
 */
import { expect, it } from 'vitest';
import { describeE2E, screenshot, tid, useUiSession, waitFor } from './harness';

describeE2E('UI: jobs, schedules and instance', () => {
  const ui = useUiSession();

  it("draws a job's graph with its edges, shows step details and links to the launchpad", async () => {
    await ui.page.goto(`${ui.server.url}/jobs`);
    await ui.page.click(`${tid('job-row-quick_etl')} ${tid('job-link')}`);
    await ui.page.waitForURL(/\/jobs\/quick_etl$/);
    for (const step of ['extract', 'double', 'sum', 'count', 'report']) {
      await ui.page.waitForSelector(tid(`graph-node-${step}`));
    }
    for (const [from, to] of [
      ['extract', 'double'],
      ['double', 'sum'],
      ['extract', 'count'],
      ['sum', 'report'],
      ['count', 'report'],
    ]) {
      expect(await ui.page.locator(tid(`graph-edge-${from}-${to}`)).count()).toBe(1);
    }
    // Upstream steps are drawn above their downstream ones.
    const y = async (key: string) => (await ui.page.locator(tid(`graph-node-${key}`)).boundingBox())!.y;
    expect(await y('extract')).toBeLessThan(await y('double'));
    expect(await y('sum')).toBeLessThan(await y('report'));

    await ui.page.click(tid('graph-node-extract'));
    await ui.page.waitForSelector(`${tid('step-details-key')}:has-text("extract")`);
    expect(await ui.page.locator(tid('step-details-schema')).textContent()).toContain('"count"');
    await screenshot(ui.page, 'job-graph');

    await ui.page.click(tid('job-launch'));
    await ui.page.waitForURL(/\/launchpad\?job=quick_etl$/);
    await ui.page.waitForSelector(`${tid('launchpad-validation')}[data-state="valid"]`);
  });

  it('starts and stops a schedule', async () => {
    await ui.page.goto(`${ui.server.url}/schedules`);
    const card = tid('schedule-e2e_hourly');
    await ui.page.waitForSelector(`${card}[data-status="STOPPED"]`);
    expect(await ui.page.locator(tid('schedule-cron-e2e_hourly')).textContent()).toBe('0 * * * *');

    await ui.page.click(tid('schedule-toggle-e2e_hourly'));
    await ui.page.waitForSelector(`${card}[data-status="RUNNING"]`);
    await waitFor(
      async () => (await ui.server.api('/api/schedules')).body.schedules[0].status === 'RUNNING',
      'the server to report the schedule running',
    );
    // A running schedule shows when it ticks next (relative text, whatever the machine's timezone).
    await ui.page.waitForSelector(`${tid('schedule-next-e2e_hourly')}:has-text("(in ")`);
    await screenshot(ui.page, 'schedules');

    await ui.page.click(tid('schedule-toggle-e2e_hourly'));
    await ui.page.waitForSelector(`${card}[data-status="STOPPED"]`);
    await waitFor(
      async () => (await ui.server.api('/api/schedules')).body.schedules[0].status === 'STOPPED',
      'the server to report the schedule stopped',
    );
    // What the page shows survives a reload: it came from the server.
    await ui.page.reload();
    await ui.page.waitForSelector(`${card}[data-status="STOPPED"]`);
  });

  it('shows the daemon healthy and the instance configuration', async () => {
    await ui.page.goto(`${ui.server.url}/instance`);
    for (const daemon of ['SCHEDULER', 'MONITORING']) {
      await ui.page.waitForSelector(`${tid(`daemon-${daemon}`)}[data-healthy="true"]`);
    }
    await ui.page.waitForSelector(`${tid('instance-runLauncher')}:has-text("ProcessRunLauncher")`);
    await ui.page.waitForSelector(`${tid('instance-storage')}:has-text("SqliteStorage")`);
    await ui.page.waitForSelector(`${tid('instance-computeLogs')}`);
    await screenshot(ui.page, 'instance');
  });

  it('navigates between pages with the top bar without reloading the document', async () => {
    await ui.page.goto(`${ui.server.url}/runs`);
    await ui.page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 42;
    });
    for (const [nav, testId] of [
      ['nav-jobs', 'jobs-page'],
      ['nav-schedules', 'schedules-page'],
      ['nav-instance', 'instance-page'],
      ['nav-launchpad', 'launchpad-page'],
      ['nav-runs', 'runs-page'],
    ] as const) {
      await ui.page.click(tid(nav));
      await ui.page.waitForSelector(tid(testId));
    }
    expect(await ui.page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await ui.page.goBack();
    await ui.page.waitForSelector(tid('launchpad-page'));

    // Deep links load the app (the server falls back to index.html), and unknown runs say so.
    await ui.page.goto(`${ui.server.url}/runs/00000000-0000-0000-0000-000000000000`);
    await ui.page.waitForSelector(tid('run-not-found'));
  });
});
