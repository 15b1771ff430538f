/**
 * The runs page over a few hundred runs: counts, status/job/tag filters in the address, cursor
 * paging forwards and back, and live updates from the runs stream without a reload.
 */
import path from 'node:path';
import { SqliteStorage } from 'runyard';
import { expect, it } from 'vitest';
import { describeE2E, screenshot, tid, useUiSession } from './harness';

const SEEDED = 300;

/**
 * Writes finished runs straight into the instance's SQLite storage before the server starts: a
 * few hundred real launches would take minutes, and only the listing is under test here.
 * Every third run fails, every fifth (that does not fail) is canceled; the shard tag cycles 0..2.
 */
async function seedRuns(home: string): Promise<{ failed: number; shard1: number }> {
  const storage = await SqliteStorage.open({ path: path.join(home, 'runyard.db') });
  let failed = 0;
  let shard1 = 0;
  try {
    for (let i = 0; i < SEEDED; i++) {
      const shard = String(i % 3);
      if (shard === '1') shard1++;
      const run = await storage.runs.createRun({
        jobName: i % 2 ? 'quick_etl' : 'failing_job',
        tags: { batch: 'seed', shard },
        origin: { codeLocation: 'seed', source: 'api' },
      });
      if (i % 3 === 0) {
        failed++;
        await storage.runs.transition({ runId: run.runId, type: 'RUN_FAILURE', message: 'seeded failure' });
      } else if (i % 5 === 0) {
        await storage.runs.transition({ runId: run.runId, type: 'RUN_CANCELED', message: 'seeded cancel' });
      } else {
        await storage.runs.transition({ runId: run.runId, type: 'RUN_START', message: 'seeded start' });
        await storage.runs.transition({ runId: run.runId, type: 'RUN_SUCCESS', message: 'seeded success' });
      }
    }
  } finally {
    await storage.dispose();
  }
  return { failed, shard1 };
}

describeE2E('UI: runs page', () => {
  let seeded: { failed: number; shard1: number };
  const ui = useUiSession({
    prepareHome: async (home) => {
      seeded = await seedRuns(home);
    },
  });

  const rowCount = () => ui.page.locator(`${tid('runs-table')} tbody tr`).count();
  const pageInfo = () => ui.page.locator(tid('page-info')).textContent();

  it('pages through hundreds of runs with cursors, forwards and back', async () => {
    await ui.page.goto(`${ui.server.url}/runs`);
    await ui.page.waitForSelector(`${tid('page-info')}:has-text("of ${SEEDED}")`);
    expect(await rowCount()).toBe(50);
    expect(await pageInfo()).toContain('1–50 of 300');
    const firstPageTop = await ui.page.locator(tid('run-link')).first().textContent();
    await screenshot(ui.page, 'runs');

    await ui.page.click(tid('page-next'));
    await ui.page.waitForSelector(`${tid('page-info')}:has-text("51–100")`);
    const secondPageTop = await ui.page.locator(tid('run-link')).first().textContent();
    expect(secondPageTop).not.toBe(firstPageTop);

    // A bigger page size starts again from the newest run.
    await ui.page.selectOption(tid('page-size'), '200');
    await ui.page.waitForSelector(`${tid('page-info')}:has-text("1–200 of 300")`);
    await ui.page.click(tid('page-next'));
    await ui.page.waitForSelector(`${tid('page-info')}:has-text("201–300 of 300")`);
    expect(await rowCount()).toBe(100);
    expect(await ui.page.isDisabled(tid('page-next'))).toBe(true);

    await ui.page.click(tid('page-prev'));
    await ui.page.waitForSelector(`${tid('page-info')}:has-text("1–200")`);
    expect(await ui.page.locator(tid('run-link')).first().textContent()).toBe(firstPageTop);
  });

  it('filters by status, job and tag, and keeps the filters in the address', async () => {
    await ui.page.goto(`${ui.server.url}/runs`);
    await ui.page.waitForSelector(`${tid('count-status-FAILURE')}:has-text("${seeded.failed}")`);
    await ui.page.click(tid('filter-status-FAILURE'));
    await ui.page.waitForURL(/status=FAILURE/);
    await ui.page.waitForSelector(`${tid('page-info')}:has-text("of ${seeded.failed}")`);
    const statuses = await ui.page
      .locator(`${tid('runs-table')} tbody tr`)
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')));
    expect(new Set(statuses)).toEqual(new Set(['FAILURE']));

    // Job filter: every failed seeded run is an even one, so all of them are failing_job runs.
    await ui.page.selectOption(tid('filter-job'), 'quick_etl');
    await ui.page.waitForURL(/job=quick_etl/);
    const expected = (await ui.server.api('/api/runs?status=FAILURE&job=quick_etl&limit=500')).body.runs.length;
    await ui.page.waitForSelector(expected ? `${tid('page-info')}:has-text("of ${expected}")` : tid('runs-empty'));

    await ui.page.click(tid('filter-clear'));
    await ui.page.waitForURL((u) => u.search === '');
    await ui.page.fill(tid('filter-tag-input'), 'shard=1');
    await ui.page.click(tid('filter-tag-add'));
    await ui.page.waitForURL(/tag=shard%3D1/);
    await ui.page.waitForSelector(`${tid('page-info')}:has-text("of ${seeded.shard1}")`);

    // The address alone reproduces the view.
    await ui.page.reload();
    await ui.page.waitForSelector(`${tid('page-info')}:has-text("of ${seeded.shard1}")`);
    await ui.page.waitForSelector(tid('filter-tag-chip-shard=1'));
  });

  it('shows a new run appear and finish without a reload', async () => {
    await ui.page.goto(`${ui.server.url}/runs?job=quick_etl`);
    await ui.page.waitForSelector(tid('runs-table'));
    const launched = await ui.server.api('/api/runs', { body: { job: 'quick_etl', tags: { live: 'yes' } } });
    expect(launched.status).toBe(201);
    const runId = launched.body.run.runId as string;
    await ui.page.waitForSelector(`${tid(`run-row-${runId}`)}[data-status="SUCCESS"]`, { timeout: 60_000 });
    await ui.page.click(`${tid(`run-row-${runId}`)} ${tid('run-link')}`);
    await ui.page.waitForURL(new RegExp(`/runs/${runId}$`));
    await ui.page.waitForSelector(`${tid('run-status')}[data-status="SUCCESS"]`);
  });
});
