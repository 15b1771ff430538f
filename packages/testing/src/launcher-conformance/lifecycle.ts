import path from 'node:path';
import { expect, it } from 'vitest';
import { type Harness, lifecycle } from './support.js';

/** Launch, success, failure, and crashes of the worker and of step processes. */
export function lifecycleCases(h: () => Harness, options: { multiprocess: boolean }): void {
  it('launches a run that succeeds: STARTING → STARTED → SUCCESS, worker recorded, nothing left running', async () => {
    const submitted = await h().submit('succeeds');
    expect(['STARTING', 'STARTED', 'SUCCESS']).toContain(submitted.status);
    expect(submitted.worker).toBeDefined();
    const run = await h().waitForStatus(submitted.runId, ['SUCCESS', 'FAILURE', 'CANCELED']);
    expect(run.status).toBe('SUCCESS');
    expect(lifecycle(await h().events(run.runId))).toEqual([
      'RUN_STARTING',
      'RUN_START',
      'STEP_START:ok',
      'STEP_SUCCESS:ok',
      'STEP_START:double',
      'STEP_SUCCESS:double',
      'RUN_SUCCESS',
    ]);
    await h().waitForWorkerGone(run);
    const launcher = await h().instance.launcher();
    if (launcher.capabilities.healthCheck)
      expect(['SUCCESS', 'NOT_FOUND']).toContain((await launcher.checkHealth(run)).status);
  });

  it('fails the run when an op fails, naming the step', async () => {
    const submitted = await h().submit('fails');
    const run = await h().waitForStatus(submitted.runId, ['SUCCESS', 'FAILURE', 'CANCELED']);
    expect(run.status).toBe('FAILURE');
    const events = await h().events(run.runId);
    expect(events.find((e) => e.type === 'STEP_FAILURE')?.error?.message).toBe('this op always fails');
    expect(events.at(-1)?.message).toContain("step 'fails' failed");
    await h().waitForWorkerGone(run);
  });

  it('an op that kills its worker (in process) leaves the run STARTED, and the health check says how it died', async () => {
    const submitted = await h().submit('crashes_in_process');
    await h().waitForEvent(submitted.runId, 'the step to start', (e) => e.type === 'STEP_START');
    await h().waitForWorkerGone(submitted);
    const run = await h().run(submitted.runId);
    // Only run monitoring (the daemon) may decide what happens to the run now.
    expect(run.status).toBe('STARTED');
    const launcher = await h().instance.launcher();
    if (launcher.capabilities.healthCheck) {
      const health = await launcher.checkHealth(run);
      expect(health.status).toBe('FAILED');
      expect(health.reason).toContain('3');
    }
  });

  if (options.multiprocess) {
    it('an op that kills its step process (multiprocess) fails that step with the exit code', async () => {
      const submitted = await h().submit('crashes_multiprocess');
      const run = await h().waitForStatus(submitted.runId, ['SUCCESS', 'FAILURE', 'CANCELED']);
      expect(run.status).toBe('FAILURE');
      const failure = (await h().events(run.runId)).find((e) => e.type === 'STEP_FAILURE');
      expect(failure?.message).toContain('exited with code 3');
      await h().waitForWorkerGone(run);
    });
  }

  it('a worker killed mid-run: the health check reports it, and nothing else changes the run', async () => {
    const dir = h().scratch();
    const submitted = await h().submit('waits', { waits: { dir } });
    await h().waitForFile(path.join(dir, 'started'), submitted.runId);
    await h().setup.killWorker(await h().run(submitted.runId));
    await h().waitForWorkerGone(submitted);
    const run = await h().run(submitted.runId);
    expect(run.status).toBe('STARTED');
    expect((await h().events(run.runId)).some((e) => e.type === 'RUN_FAILURE' || e.type === 'RUN_CANCELED')).toBe(
      false,
    );
    const launcher = await h().instance.launcher();
    if (launcher.capabilities.healthCheck) {
      const health = await launcher.checkHealth(run);
      expect(['FAILED', 'NOT_FOUND']).toContain(health.status);
      expect(health.reason).toBeTruthy();
    }
  });
}
