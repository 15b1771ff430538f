// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${vars.x}` is runyard.yaml's own syntax, written literally here
/**
 * Named launchers in the UI: the Launchpad offers the launchers the job may use and the chosen
 * one's variables, a refused value is shown in place, and the run page and runs list say which
 * launcher each run went to.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeE2E, screenshot, tid, useUiSession, waitFor } from './harness';

const CONFIG = `
runLaunchers:
  default: local
  launchers:
    local: { class: ProcessRunLauncher }
    tuned:
      class: ProcessRunLauncher
      config: { terminateGraceSeconds: '\${vars.grace}', env: { TIER: '\${vars.tier}' } }
      variables:
        grace: { type: number, default: 5, min: 1, max: 30, description: seconds before SIGKILL }
        tier: { type: string, default: small, allowed: [small, large] }
    gpu: { class: ProcessRunLauncher, allow: { jobs: [train] } }
`;

describeE2E('UI: named launchers', () => {
  const ui = useUiSession({
    prepareHome: (home) => writeFile(path.join(home, 'runyard.yaml'), CONFIG),
  });

  it('offers only the launchers the job may use, with the variables of the chosen one, and shows where the run went', async () => {
    const { page, server } = ui;
    await page.goto(`${server.url}/launchpad?job=quick_etl`);
    await page.waitForSelector(tid('launcher-select'));
    const offered = await page
      .locator(`${tid('launcher-select')} option`)
      .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
    expect(offered).toEqual(['local', 'tuned']);
    await page.selectOption(tid('launcher-select'), 'tuned');
    await page.fill(tid('launcher-var-grace'), '99');
    await page.waitForSelector(`${tid('launcher-picker')} .field-error:has-text("at most 30")`);
    expect(await page.isDisabled(tid('launchpad-launch'))).toBe(true);
    await page.fill(tid('launcher-var-grace'), '7');
    await page.selectOption(tid('launcher-var-tier'), 'large');
    await page.waitForSelector(`${tid('launchpad-validation')}[data-state="valid"]`);
    await screenshot(page, 'launchpad-launchers');
    await page.click(tid('launchpad-launch'));
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    const runId = page.url().split('/').at(-1) as string;
    await page.waitForSelector(`${tid('run-launcher')}:has-text("tuned (ProcessRunLauncher)")`);
    const { body } = await server.api(`/api/runs/${runId}`);
    expect(body.run.tags).toMatchObject({
      'runyard/launcher': 'tuned',
      'runyard/launcher_vars': JSON.stringify({ grace: 7, tier: 'large' }),
    });
    await waitFor(
      async () => (await server.api(`/api/runs/${runId}`)).body.run.status === 'SUCCESS',
      'the run to succeed',
    );

    await page.goto(`${server.url}/runs`);
    await page.waitForSelector(`${tid(`run-row-${runId}`)} ${tid('run-row-launcher')}:has-text("tuned")`);
  });
});
