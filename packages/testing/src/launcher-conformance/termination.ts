import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { type Harness, lifecycle } from './support.js';

const GRACE_MS = 1_000;

/** Terminate: polite, escalated, forced, repeated, and of finished runs. */
export function terminationCases(h: () => Harness): void {
  it('terminate stops a run whose op honours the signal; the run ends CANCELED without a kill', async () => {
    const dir = h().scratch();
    const submitted = await h().submit('waits', { waits: { dir } });
    await h().waitForFile(path.join(dir, 'started'), submitted.runId);
    const result = await h().instance.terminateRun(submitted.runId, { graceMs: 20_000 });
    expect(result).toMatchObject({ changed: true, escalated: false, run: { status: 'CANCELED' } });
    const types = lifecycle(await h().events(submitted.runId));
    // The interrupted step records its failure between the two.
    expect(types.indexOf('RUN_CANCELING')).toBeGreaterThan(types.indexOf('RUN_START'));
    expect(types.at(-1)).toBe('RUN_CANCELED');
    await h().waitForWorkerGone(result.run);
  });

  it('terminate escalates to a kill when the op ignores SIGTERM, and leaves nothing running', async () => {
    const dir = h().scratch();
    const submitted = await h().submit('stubborn', { stubborn: { dir } });
    await h().waitForFile(path.join(dir, 'started'), submitted.runId);
    const result = await h().instance.terminateRun(submitted.runId, { graceMs: GRACE_MS });
    expect(result).toMatchObject({ changed: true, escalated: true, run: { status: 'CANCELED' } });
    expect(existsSync(path.join(dir, 'got-sigterm'))).toBe(true);
    await h().waitForWorkerGone(result.run);
    // A second terminate finds nothing to do, and says so.
    const again = await h().instance.terminateRun(submitted.runId);
    expect(again).toMatchObject({ changed: false, escalated: false });
    expect(again.message).toContain('already CANCELED');
  });

  it('terminate --force marks the run CANCELED at once and still kills the worker', async () => {
    const dir = h().scratch();
    const submitted = await h().submit('stubborn', { stubborn: { dir } });
    await h().waitForFile(path.join(dir, 'started'), submitted.runId);
    const result = await h().instance.terminateRun(submitted.runId, { force: true });
    expect(result.run.status).toBe('CANCELED');
    await h().waitForWorkerGone(result.run);
    expect((await h().run(submitted.runId)).status).toBe('CANCELED');
  });

  it('terminate of a finished run is a no-op that says so', async () => {
    const submitted = await h().submit('succeeds');
    await h().waitForStatus(submitted.runId, ['SUCCESS']);
    const result = await h().instance.terminateRun(submitted.runId);
    expect(result).toMatchObject({ changed: false, run: { status: 'SUCCESS' } });
    expect(result.message).toContain('already SUCCESS; nothing to terminate');
  });

  it('terminate of a run that was never launched cancels it without a worker', async () => {
    const run = await h().createRun('succeeds');
    const result = await h().instance.terminateRun(run.runId);
    expect(result).toMatchObject({ changed: true, run: { status: 'CANCELED' } });
    expect(result.run.worker).toBeUndefined();
  });
}
