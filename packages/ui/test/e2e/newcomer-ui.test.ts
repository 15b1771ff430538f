/**
 * The rough edges a newcomer met (issue 18): the Launchpad re-validating while idle, event data
 * never shown, the Instance page on nested config, Follow scrolling the window, code-location
 * errors on one line, no load status or reload on the Jobs page, the nav cut at phone width.
 * Screenshots at desktop and phone widths go to test-results/screenshots/newcomer-*.png.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeE2E, FIXTURE, screenshot, startServer, tid, UI_DIR, useUiSession, waitFor } from './harness';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1360, height: 900 };

// Nested config, as the Instance page must show it.
const RUNYARD_YAML = `runCoordinator:
  class: QueuedRunCoordinator
  config:
    maxConcurrentRuns: 4
    tagConcurrencyLimits:
      - key: team
        value: data
        limit: 1
runLauncher:
  class: ProcessRunLauncher
  config:
    terminateGraceSeconds: 5
    env:
      A_LONG_VARIABLE_NAME: some-value
`;

describeE2E('UI: a newcomer first hour', () => {
  const ui = useUiSession({
    prepareHome: (home) => writeFile(path.join(home, 'runyard.yaml'), RUNYARD_YAML),
  });

  it('the Launchpad does not validate again while nothing changes', async () => {
    await ui.page.setViewportSize(DESKTOP);
    await ui.page.goto(`${ui.server.url}/launchpad?job=quick_etl`);
    await ui.page.waitForSelector(`${tid('launchpad-validation')}[data-state="valid"]`);
    let validations = 0;
    const count = (request: { url(): string }) => {
      if (request.url().endsWith('/api/runs/validate')) validations++;
    };
    ui.page.on('request', count);
    await ui.page.waitForTimeout(2_000);
    ui.page.off('request', count);
    expect(validations).toBe(0);
    // A change is still validated once.
    await ui.page.fill(tid('launchpad-config'), 'ops:\n  extract:\n    config:\n      count: 2\n');
    await ui.page.waitForSelector(`${tid('launchpad-validation')}[data-state="valid"]`);
  });

  it('event rows with data open to show it as indented JSON, and Follow scrolls the log, not the window', async () => {
    const { body } = await ui.server.api('/api/runs', { body: { job: 'quick_etl', runConfig: {} } });
    const runId = body.run.runId as string;
    await waitFor(async () => (await ui.server.api(`/api/runs/${runId}`)).body.run?.status === 'SUCCESS', 'the run');
    await ui.page.goto(`${ui.server.url}/runs/${runId}`);
    await ui.page.waitForSelector(tid('event-row'));
    if ((await ui.page.locator(`${tid('event-row')}[data-has-data="true"]`).count()) === 0)
      await ui.page.click(tid('event-log-level-debug'));
    const row = ui.page.locator(`${tid('event-row')}[data-type="STEP_OUTPUT"]`).first();
    await row.locator(tid('event-data-toggle')).click();
    const data = await ui.page.locator(tid('event-data')).first().textContent();
    expect(data).toMatch(/^\{\n {2}"preview": /);
    await screenshot(ui.page, 'newcomer-event-data');

    // A live run: the log follows inside its own box while the page stays where it is. A short
    // window puts the log below the fold, where scrolling it into view would move the page.
    await ui.page.setViewportSize({ width: DESKTOP.width, height: 500 });
    const live = await ui.server.api('/api/runs', { body: { job: 'long_job', runConfig: {} } });
    const liveId = live.body.run.runId as string;
    await ui.page.goto(`${ui.server.url}/runs/${liveId}`);
    await ui.page.waitForSelector(`${tid('event-row')}`);
    await ui.page.waitForSelector(tid('event-log-follow'));
    await waitFor(async () => (await ui.page.locator(tid('event-row')).count()) > 3, 'some events');
    expect(await ui.page.evaluate(() => window.scrollY)).toBe(0);
    await ui.page.setViewportSize(DESKTOP);
    await ui.server.api(`/api/runs/${liveId}/terminate`, { body: { force: true } });
  });

  it('the Instance page gives nested config the full width', async () => {
    for (const [name, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      await ui.page.setViewportSize(viewport);
      await ui.page.goto(`${ui.server.url}/instance`);
      const coordinator = ui.page.locator(tid('instance-runCoordinator'));
      await coordinator.waitFor();
      const card = (await coordinator.boundingBox())!;
      const nested = coordinator.locator('.kv-nested > dd').first();
      const box = (await nested.boundingBox())!;
      // The nested values take most of the card's width, not a sliver beside their key.
      expect(box.width).toBeGreaterThan(card.width * 0.6);
      await screenshot(ui.page, `newcomer-instance-${name}`);
    }
    await ui.page.setViewportSize(DESKTOP);
  });

  it('the nav fits a phone: every item can be reached', async () => {
    await ui.page.setViewportSize(PHONE);
    await ui.page.goto(`${ui.server.url}/runs`);
    const nav = (await ui.page.locator(tid('topnav')).boundingBox())!;
    expect(nav.width).toBeLessThanOrEqual(PHONE.width);
    await ui.page.click(tid('nav-instance'));
    await ui.page.waitForURL(/\/instance$/);
    expect(await ui.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(ui.page, 'newcomer-nav-phone');
    await ui.page.setViewportSize(DESKTOP);
  });

  it('the Jobs page shows the load status, reloads, and shows a load error with its code frame', async () => {
    const file = path.join(UI_DIR, 'test/fixtures', `.newcomer-${process.pid}.ts`);
    const good = `export { default } from './${path.basename(FIXTURE, '.ts')}.js';\n`;
    writeFileSync(file, good);
    const server = await startServer({ args: ['-f', file] });
    try {
      await ui.page.goto(`${server.url}/jobs`);
      await ui.page.waitForSelector(`${tid('code-location-status')}[data-state="loaded"]`);
      await ui.page.waitForSelector(tid('job-row-quick_etl'));
      writeFileSync(file, `${good}const broken: number = ;\n`);
      await ui.page.waitForTimeout(1_100); // the server reuses a load for 1 s
      await ui.page.click(tid('code-location-reload'));
      await ui.page.waitForSelector(`${tid('code-location-status')}[data-state="failed"]`);
      const banner = ui.page.locator(tid('error-banner'));
      const text = (await banner.textContent()) ?? '';
      expect(text).not.toContain('400 bad_request');
      expect(await banner.locator('pre').count()).toBe(1);
      expect(await banner.locator('pre').evaluate((el) => el.textContent?.split('\n').length ?? 0)).toBeGreaterThan(1);
      expect(await ui.page.locator(tid('job-row-quick_etl')).count()).toBe(0);
      await screenshot(ui.page, 'newcomer-jobs-load-error');
      await ui.page.setViewportSize(PHONE);
      await screenshot(ui.page, 'newcomer-jobs-load-error-phone');
      await ui.page.setViewportSize(DESKTOP);
      writeFileSync(file, good);
      await ui.page.waitForTimeout(1_100);
      await ui.page.click(tid('code-location-reload'));
      await ui.page.waitForSelector(`${tid('code-location-status')}[data-state="loaded"]`);
      await ui.page.waitForSelector(tid('job-row-quick_etl'));
      await screenshot(ui.page, 'newcomer-jobs');
    } finally {
      await server.stop();
      rmSync(file, { force: true });
    }
  });

  it('the Runs page finds a run by the start of its id and filters by creation date', async () => {
    const { body } = await ui.server.api('/api/runs', { body: { job: 'quick_etl', runConfig: {} } });
    const runId = body.run.runId as string;
    await ui.server.api('/api/runs', { body: { job: 'quick_etl', runConfig: {} } });
    await ui.page.goto(`${ui.server.url}/runs`);
    await ui.page.waitForSelector(tid(`run-row-${runId}`));
    expect(await ui.page.locator('tr[data-testid^="run-row-"]').count()).toBeGreaterThan(1);
    await ui.page.fill(tid('filter-run-id'), runId.slice(0, 6));
    await ui.page.press(tid('filter-run-id'), 'Enter');
    await ui.page.waitForURL(new RegExp(`id=${runId.slice(0, 6)}`));
    await waitFor(async () => (await ui.page.locator('tr[data-testid^="run-row-"]').count()) === 1, 'one run');
    expect(await ui.page.locator(tid(`run-row-${runId}`)).count()).toBe(1);
    await screenshot(ui.page, 'newcomer-runs-search');

    // Today holds the run; a range that ended yesterday holds none.
    const today = await ui.page.evaluate(() => {
      const d = new Date();
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    });
    await ui.page.fill(tid('filter-from'), today);
    await ui.page.waitForURL(new RegExp(`from=${today}`));
    await ui.page.waitForSelector(tid(`run-row-${runId}`));
    await ui.page.goto(`${ui.server.url}/runs?to=2001-01-01`);
    await ui.page.waitForSelector(tid('runs-empty'));
    await ui.page.setViewportSize(PHONE);
    await ui.page.goto(`${ui.server.url}/runs?id=${runId.slice(0, 6)}`);
    await ui.page.waitForSelector(tid(`run-row-${runId}`));
    expect(await ui.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(ui.page, 'newcomer-runs-phone');
    await ui.page.setViewportSize(DESKTOP);
  });

  it("the Launchpad completes config keys with their types and defaults from the job's schema", async () => {
    await ui.page.setViewportSize(DESKTOP);
    await ui.page.goto(`${ui.server.url}/launchpad?job=quick_etl`);
    await ui.page.waitForSelector(`${tid('launchpad-validation')}[data-state="valid"]`);
    const editor = ui.page.locator(tid('launchpad-config'));
    await editor.fill('');
    await editor.pressSequentially('ops:\n  extract:\n    config:\n      ');
    const list = ui.page.locator(tid('config-completions'));
    await list.waitFor();
    expect(await list.getAttribute('data-path')).toBe('ops.extract.config');
    const count = ui.page.locator(tid('config-completion-count'));
    expect(await count.textContent()).toContain('integer');
    expect(await count.textContent()).toContain('default 3');
    expect(await ui.page.locator(tid('config-completion-label')).textContent()).toContain('default rows');
    await screenshot(ui.page, 'newcomer-launchpad-completion');
    await editor.pressSequentially('la');
    expect(await ui.page.locator(`${tid('config-completions')} button`).count()).toBe(1);
    await ui.page.click(tid('config-completion-label'));
    expect(await editor.inputValue()).toBe('ops:\n  extract:\n    config:\n      label: rows');
    // The line is complete: nothing more is offered for it.
    expect(await ui.page.locator(tid('config-completions')).count()).toBe(0);
    await ui.page.waitForSelector(`${tid('launchpad-validation')}[data-state="valid"]`);
    await ui.page.setViewportSize(PHONE);
    await screenshot(ui.page, 'newcomer-launchpad-phone');
    await ui.page.setViewportSize(DESKTOP);
  });

  it('draws a tall job graph whole, and the run timeline readable at phone width', async () => {
    const server = await startServer({ args: ['-f', path.join(UI_DIR, 'test/fixtures/nine-ops.ts')] });
    try {
      for (const [name, viewport] of [
        ['desktop', DESKTOP],
        ['phone', PHONE],
      ] as const) {
        await ui.page.setViewportSize(viewport);
        await ui.page.goto(`${server.url}/jobs/nine_ops`);
        const last = ui.page.locator(tid('graph-node-publish_report'));
        await last.waitFor();
        const box = ui.page.locator(tid('job-graph'));
        // Scrolled to its end, the graph's box shows the last node whole.
        await box.evaluate((el) => {
          el.scrollTop = el.scrollHeight;
          el.scrollLeft = el.scrollWidth;
        });
        const outer = (await box.boundingBox())!;
        const node = (await last.boundingBox())!;
        expect(node.y + node.height).toBeLessThanOrEqual(outer.y + outer.height + 0.5);
        expect(node.y).toBeGreaterThanOrEqual(outer.y - 0.5);
        await screenshot(ui.page, `newcomer-graph-${name}`);
      }
      const { body } = await server.api('/api/runs', { body: { job: 'nine_ops', runConfig: {} } });
      const runId = body.run.runId as string;
      await waitFor(async () => (await server.api(`/api/runs/${runId}`)).body.run?.status === 'SUCCESS', 'the run');
      await ui.page.setViewportSize(PHONE);
      await ui.page.goto(`${server.url}/runs/${runId}`);
      await ui.page.waitForSelector(tid('event-row'));
      expect(await ui.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
      // The timeline's tick labels that are shown do not overlap.
      const ticks = await ui.page.evaluate(() =>
        [...document.querySelectorAll('.timeline-axis .timeline-tick')]
          .filter((el) => getComputedStyle(el).visibility !== 'hidden')
          .map((el) => {
            const r = el.getBoundingClientRect();
            return [r.left, r.right] as const;
          }),
      );
      expect(ticks.length).toBeGreaterThan(1);
      for (let i = 1; i < ticks.length; i++) expect(ticks[i]![0]).toBeGreaterThanOrEqual(ticks[i - 1]![1]);
      await screenshot(ui.page, 'newcomer-run-phone');
    } finally {
      await ui.page.setViewportSize(DESKTOP);
      await server.stop();
    }
  });
});
