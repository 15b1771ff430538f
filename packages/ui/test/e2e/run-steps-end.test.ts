/**
 * A finished run has no running step: a step its worker was killed under ends with the run, and a
 * step that never started is shown as not started (from the run's execution plan).
 */
import { expect, it } from 'vitest';
import { describeE2E, screenshot, tid, useUiSession } from './harness';

describeE2E('UI: the timeline of a finished run', () => {
  const ui = useUiSession();

  it('ends a killed step with its cancelled run and shows the step that never started as not started', async () => {
    const launched = await ui.server.api<{ run: { runId: string } }>('/api/runs', { body: { job: 'stuck_chain' } });
    const runId = launched.body.run.runId;
    await ui.page.goto(`${ui.server.url}/runs/${runId}`);
    const stuck = tid('timeline-step-ignores_cancel');
    await ui.page.waitForSelector(`${stuck}[data-status="RUNNING"]`, { timeout: 60_000 });
    await ui.page.waitForSelector(`${tid('timeline-step-after_it')}[data-status="NOT_STARTED"]`);

    const terminated = await ui.server.api(`/api/runs/${runId}/terminate`, { body: { force: true } });
    expect(terminated.status).toBe(200);
    await ui.page.waitForSelector(`${tid('run-status')}[data-status="CANCELED"]`, { timeout: 60_000 });
    await ui.page.waitForSelector(`${stuck}[data-status="CANCELED"]`);
    expect(await ui.page.locator(`${stuck} .timeline-bar.running`).count()).toBe(0);
    expect(await ui.page.getAttribute(stuck, 'title')).toBe(
      'ignores_cancel: CANCELED (the run was terminated by force)',
    );
    expect(await ui.page.textContent(tid('timeline-step-after_it'))).toContain('not started');

    const { body } = await ui.server.api(`/api/runs/${runId}`);
    expect(body.steps.map((s: { stepKey: string; status: string }) => [s.stepKey, s.status])).toEqual([
      ['ignores_cancel', 'CANCELED'],
      ['after_it', 'NOT_STARTED'],
    ]);
    expect(body.steps[0].endReason).toBe('the run was terminated by force');
    // The bar ends with the run: no step outlasts it.
    expect(body.steps[0].endTime).toBeLessThanOrEqual(body.run.endTime);
    await screenshot(ui.page, 'run-steps-end');
  });
});
