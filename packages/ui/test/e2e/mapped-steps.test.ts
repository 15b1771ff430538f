/**
 * Mapped steps (made by map() at run time) in the run's timeline, grouped under their op with
 * their counts, opening to show each item's key; the job's graph draws the mapped op as a stack.
 */
import { expect, it } from 'vitest';
import { describeE2E, screenshot, tid, useUiSession } from './harness';

describeE2E('UI: mapped steps', () => {
  const ui = useUiSession();

  it('groups mapped steps under their op in the timeline, expandable, with each item key', async () => {
    const launched = await ui.server.api<{ run: { runId: string } }>('/api/runs', { body: { job: 'fanned' } });
    const runId = launched.body.run.runId;
    await ui.page.goto(`${ui.server.url}/runs/${runId}`);
    await ui.page.waitForSelector(`${tid('run-status')}[data-status="FAILURE"]`, { timeout: 60_000 });
    const toggle = tid('timeline-group-toggle-load');
    await ui.page.waitForSelector(`${toggle}[data-status="FAILURE"]`);
    expect(await ui.page.textContent(toggle)).toContain('load[…]');
    expect(await ui.page.textContent(tid('timeline-group-counts-load'))).toBe('2 success, 1 failure');
    // Closed: the items are not rows of their own.
    expect(await ui.page.locator(tid('timeline-step-load[a.csv]')).count()).toBe(0);
    await ui.page.waitForSelector(`${tid('timeline-step-load_report')}[data-status="SUCCESS"]`);

    await ui.page.click(toggle);
    expect(await ui.page.getAttribute(toggle, 'aria-expanded')).toBe('true');
    const item = tid('timeline-step-load[b.csv]');
    await ui.page.waitForSelector(`${item}[data-status="FAILURE"]`);
    expect((await ui.page.textContent(`${item} .timeline-label`))?.trim()).toBe('[b.csv]');
    const items = await ui.page
      .locator(`${tid('timeline-group-load')} .timeline-item .timeline-label`)
      .allTextContents();
    expect(items.map((t) => t.trim()).sort()).toEqual(['[a.csv]', '[b.csv]', '[c.csv]']);
    await screenshot(ui.page, 'mapped-steps-timeline');

    await ui.page.click(toggle);
    expect(await ui.page.locator(item).count()).toBe(0);

    await ui.page.goto(`${ui.server.url}/jobs/fanned`);
    await ui.page.waitForSelector(tid('graph-node-load'));
    expect(await ui.page.getAttribute(tid('graph-node-load'), 'class')).toContain('mapped');
    expect(await ui.page.textContent(tid('graph-node-op-load'))).toBe('op · per item of list_files');
  });
});
