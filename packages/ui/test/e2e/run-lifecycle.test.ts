/**
 * The launch → watch → finish paths through the real UI: a successful run with its timeline, a
 * failing run's error, terminating a long run, and an invalid config that creates nothing.
 */
import { expect, it } from 'vitest';
import { describeE2E, screenshot, tid, useUiSession, waitFor } from './harness';

describeE2E('UI: run lifecycle', () => {
  const ui = useUiSession();

  async function setConfig(yaml: string) {
    const editor = ui.page.locator(tid('launchpad-config'));
    await editor.fill(yaml);
  }

  async function openLaunchpad(job: string) {
    await ui.page.goto(`${ui.server.url}/launchpad?job=${job}`);
    await ui.page.waitForSelector(`${tid('launchpad-validation')}[data-state="valid"]`);
  }

  async function launchAndOpenRun(): Promise<string> {
    await ui.page.waitForSelector(`${tid('launchpad-validation')}[data-state="valid"]`);
    await ui.page.click(tid('launchpad-launch'));
    await ui.page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    return ui.page.url().split('/').pop()!;
  }

  it('launches a run from the launchpad and shows it reach SUCCESS with its steps in the timeline', async () => {
    await openLaunchpad('quick_etl');
    // The editor starts from the job's config template.
    expect(await ui.page.inputValue(tid('launchpad-config'))).toContain('count: 3');
    await setConfig('ops:\n  extract:\n    config:\n      count: 5\n      label: widgets\n');
    await ui.page.fill(tid('tag-key-0'), 'origin');
    await ui.page.fill(tid('tag-value-0'), 'e2e-launchpad');
    await ui.page.waitForSelector(`${tid('launchpad-validation')}[data-state="valid"]`);
    await screenshot(ui.page, 'launchpad');

    const runId = await launchAndOpenRun();
    await ui.page.waitForSelector(`${tid('run-status')}[data-status="SUCCESS"]`, { timeout: 60_000 });
    for (const step of ['extract', 'double', 'sum', 'count', 'report']) {
      await ui.page.waitForSelector(`${tid(`timeline-step-${step}`)}[data-status="SUCCESS"]`);
    }
    // The live event log has the op's own log line, and the run kept its config and tag.
    await ui.page.fill(tid('event-log-search'), 'widgets');
    await ui.page.waitForSelector(`${tid('event-row')}:has-text("extracting 5 widgets")`);
    await ui.page.fill(tid('event-log-search'), '');
    const { body } = await ui.server.api(`/api/runs/${runId}`);
    expect(body.run.status).toBe('SUCCESS');
    // The web app says it is the UI, so the run's origin records where it came from.
    expect(body.run.origin.source).toBe('ui');
    expect(body.run.tags.origin).toBe('e2e-launchpad');
    expect(body.run.runConfig).toEqual({ ops: { extract: { config: { count: 5, label: 'widgets' } } } });
    await screenshot(ui.page, 'run');

    // Captured stdout of the worker.
    await ui.page.click(tid('run-tab-logs'));
    await ui.page.waitForSelector(`${tid('logs-stdout')}:has-text("extract made 5 widgets")`);
  });

  it("shows a failing run's error with its stack", async () => {
    await openLaunchpad('failing_job');
    const runId = await launchAndOpenRun();
    await ui.page.waitForSelector(`${tid('run-status')}[data-status="FAILURE"]`, { timeout: 60_000 });
    const errorBox = ui.page.locator(tid('step-error-explode'));
    await errorBox.waitFor();
    expect(await errorBox.textContent()).toContain('warehouse refused the load: table e2e_target is locked');
    expect(await errorBox.textContent()).toContain('lock held by session 42');
    // The stack is folded away until asked for.
    const toggle = errorBox.locator(tid('step-error-info-explode-stack-toggle')).first();
    await toggle.click();
    await errorBox.locator('pre:visible').first().waitFor();
    await ui.page.waitForSelector(`${tid('timeline-step-explode')}[data-status="FAILURE"]`);
    await ui.page.waitForSelector(`${tid('timeline-step-prepare')}[data-status="SUCCESS"]`);
    expect((await ui.server.api(`/api/runs/${runId}`)).body.run.status).toBe('FAILURE');
    await screenshot(ui.page, 'run-failed');
  });

  it('terminates a long run from the UI after confirmation and shows CANCELED', async () => {
    await openLaunchpad('long_job');
    const runId = await launchAndOpenRun();
    await ui.page.waitForSelector(`${tid('timeline-step-wait_for_signal')}[data-status="RUNNING"]`, {
      timeout: 60_000,
    });

    // Cancelling the dialog leaves the run alone.
    await ui.page.click(tid('run-terminate'));
    await ui.page.waitForSelector(tid('terminate-dialog'));
    await ui.page.click(tid('terminate-dialog-cancel'));
    await ui.page.waitForSelector(tid('terminate-dialog'), { state: 'detached' });
    expect((await ui.server.api(`/api/runs/${runId}`)).body.run.status).toBe('STARTED');

    await ui.page.click(tid('run-terminate'));
    await ui.page.click(tid('terminate-dialog-confirm'));
    await ui.page.waitForSelector(`${tid('run-status')}[data-status="CANCELED"]`, { timeout: 60_000 });
    expect((await ui.server.api(`/api/runs/${runId}`)).body.run.status).toBe('CANCELED');
    // A finished run offers retry instead of terminate.
    await ui.page.waitForSelector(tid('run-retry'));
    expect(await ui.page.locator(tid('run-terminate')).count()).toBe(0);
  });

  it('shows an invalid config in place in the launchpad and creates no run', async () => {
    const before = (await ui.server.api('/api/runs/counts')).body.total as number;
    await openLaunchpad('quick_etl');
    const bad = 'ops:\n  extract:\n    config:\n      count: lots\n      label: widgets\n';
    await setConfig(bad);
    await ui.page.waitForSelector(`${tid('launchpad-validation')}[data-state="invalid"]`);
    const issue = ui.page.locator(tid('launchpad-issue')).first();
    expect(await issue.textContent()).toContain('ops.extract.config.count');
    expect(await issue.getAttribute('data-line')).toBe('4');
    // The offending line is marked in the editor's gutter.
    await ui.page.waitForSelector(tid('launchpad-config-issue-line-4'));
    expect(await ui.page.isDisabled(tid('launchpad-launch'))).toBe(true);
    await screenshot(ui.page, 'launchpad-invalid');

    // The server refuses the same config too, so no path creates a run from it.
    const refused = await ui.server.api('/api/runs', { body: { job: 'quick_etl', runConfigYaml: bad } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.issues[0].line).toBe(4);
    const after = (await ui.server.api('/api/runs/counts')).body.total as number;
    expect(after).toBe(before);
    const list = await ui.server.api('/api/runs?limit=500');
    expect(list.body.runs).toHaveLength(before);

    // Fixing the line clears the marks and enables Launch again.
    await setConfig(bad.replace('lots', '7'));
    await ui.page.waitForSelector(`${tid('launchpad-validation')}[data-state="valid"]`);
    expect(await ui.page.locator(tid('launchpad-issues')).count()).toBe(0);
    expect(await ui.page.isEnabled(tid('launchpad-launch'))).toBe(true);
  });

  it('retries a failed run from failure and links the new run to its parent', async () => {
    const failed = await ui.server.api('/api/runs?job=failing_job&limit=1');
    const runId = failed.body.runs[0].runId as string;
    await ui.page.goto(`${ui.server.url}/runs/${runId}`);
    await ui.page.click(tid('run-retry-from-failure'));
    await ui.page.waitForURL((u) => !u.pathname.endsWith(runId));
    const retryId = ui.page.url().split('/').pop()!;
    await waitFor(
      async () => (await ui.server.api(`/api/runs/${retryId}`)).body.run?.parentRunId === runId,
      'the retry to name its parent',
    );
    await ui.page.waitForSelector(`${tid('run-status')}[data-status="FAILURE"]`, { timeout: 60_000 });
  });
});
