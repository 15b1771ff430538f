/**
 * Step selection in the browser: the Launchpad's selection field checked live (unmatched terms
 * named, launch held back), the job graph highlighting what will run, a launch of the selection,
 * and the run page's "Re-execute selected…" reading the other steps from that run.
 */
import { expect, it } from 'vitest';
import { describeE2E, screenshot, tid, useUiSession, waitFor } from './harness';

describeE2E('UI: step selection', () => {
  const ui = useUiSession();

  const willRun = async () => {
    const marks: Record<string, string | null> = {};
    for (const step of ['extract', 'double', 'sum', 'count', 'report'])
      marks[step] = await ui.page
        .locator(`${tid('launchpad-selection')} ${tid(`graph-node-${step}`)}`)
        .getAttribute('data-will-run');
    return marks;
  };
  const stepsOf = async (runId: string) => {
    const { body } = await ui.server.api(`/api/runs/${runId}`);
    return (
      body.run.status === 'SUCCESS' &&
      body.steps.map((s: { stepKey: string; status: string }) => `${s.stepKey}:${s.status}`)
    );
  };

  it('checks a selection as it is typed, highlights what will run, and launches only that', async () => {
    await ui.page.goto(`${ui.server.url}/launchpad?job=quick_etl`);
    await ui.page.waitForSelector(`${tid('launchpad-validation')}[data-state="valid"]`);
    const input = tid('launchpad-selection-input');

    await ui.page.fill(input, 'extract+, nope, zz*');
    await ui.page.waitForSelector(`${tid('launchpad-selection-status')}[data-state="done"]`);
    const issues = await ui.page
      .locator(tid('launchpad-selection-issue'))
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-term')));
    expect(issues).toEqual(['nope', 'zz*']);
    expect(await ui.page.locator(tid('launchpad-launch')).isDisabled()).toBe(true);

    await ui.page.fill(input, 'extract+');
    await ui.page.waitForSelector(`${tid('launchpad-selection-status')}:has-text("3 steps will run")`);
    expect(await willRun()).toEqual({ extract: 'true', double: 'true', count: 'true', sum: 'false', report: 'false' });
    await screenshot(ui.page, 'launchpad-selection');

    await ui.page.click(tid('launchpad-launch'));
    await ui.page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    const runId = ui.page.url().split('/').pop() as string;
    expect(await waitFor(() => stepsOf(runId), 'the selected run to succeed')).toEqual([
      'extract:SUCCESS',
      'double:SUCCESS',
      'count:SUCCESS',
    ]);

    // Re-execute `sum` alone: it reads `double` from the run on this page.
    await ui.page.click(tid('run-reexecute-selected'));
    await ui.page.fill(tid('reexecute-selection-input'), 'sum+');
    await ui.page.waitForSelector(`${tid('reexecute-selection-status')}[data-state="done"]`);
    // `report` also reads `count`, which the run made too: nothing is missing.
    expect(await ui.page.locator(tid('reexecute-selection-issue')).count()).toBe(0);
    expect(
      await ui.page.locator(`${tid('reexecute-selection')} ${tid('graph-node-sum')}`).getAttribute('data-will-run'),
    ).toBe('true');
    expect(
      await ui.page.locator(`${tid('reexecute-selection')} ${tid('graph-node-double')}`).getAttribute('data-will-run'),
    ).toBe('false');
    await screenshot(ui.page, 'reexecute-selection');
    await ui.page.click(tid('reexecute-dialog-confirm'));
    await ui.page.waitForURL((url) => /\/runs\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(runId));
    const childId = ui.page.url().split('/').pop() as string;
    expect(await waitFor(() => stepsOf(childId), 'the re-execution to succeed')).toEqual([
      'sum:SUCCESS',
      'report:SUCCESS',
    ]);
    const child = (await ui.server.api(`/api/runs/${childId}`)).body.run;
    expect(child).toMatchObject({ parentRunId: runId, tags: { 'runyard/step_selection': 'sum+' } });
  });

  it('names an output the run lacks before re-executing', async () => {
    const { body } = await ui.server.api('/api/runs', {
      method: 'POST',
      body: { job: 'quick_etl', selection: 'extract' },
    });
    const runId = body.run.runId as string;
    await waitFor(() => stepsOf(runId), 'the run to succeed');
    await ui.page.goto(`${ui.server.url}/runs/${runId}`);
    await ui.page.click(tid('run-reexecute-selected'));
    await ui.page.fill(tid('reexecute-selection-input'), 'sum');
    await ui.page.waitForSelector(`${tid('reexecute-selection-issue')}[data-term="double"]`);
    expect(await ui.page.locator(tid('reexecute-selection-issue')).textContent()).toContain(
      `run ${runId} has no output of step 'double'`,
    );
    expect(await ui.page.locator(tid('reexecute-dialog-confirm')).isDisabled()).toBe(true);
  });
});
