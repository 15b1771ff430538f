import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ManagedRunLauncher, type RunLauncher } from 'runyard';
import { expect, it } from 'vitest';
import type { Harness } from './support.js';

/** One run, one worker: refusals, double launches, failing launches, and resume. */
export function workerCases(h: () => Harness): void {
  it('refuses to launch a run that is not NOT_STARTED or QUEUED', async () => {
    const submitted = await h().submit('succeeds');
    await h().waitForStatus(submitted.runId, ['SUCCESS']);
    await expect(h().instance.launchRun(submitted.runId)).rejects.toMatchObject({ name: 'RunNotLaunchableError' });
  });

  it('a worker started for a run that is not STARTING refuses it, records why, and leaves it alone', async () => {
    const run = await h().createRun('succeeds');
    const launcher = await h().instance.launcher();
    // Bypass the instance's compare-and-swap, as a confused or duplicate launch would.
    const launched = await launcher.launch(run);
    const refusal = await h().waitForEvent(
      run.runId,
      'the refusal',
      (e) => e.type === 'ENGINE_EVENT' && e.message.includes('refused'),
    );
    expect(refusal.message).toContain('the run is NOT_STARTED, not STARTING');
    await h().waitForWorkerGone(launched);
    expect((await h().run(run.runId)).status).toBe('NOT_STARTED');
  });

  it('two workers for one run: exactly one runs it', async () => {
    const submitted = await h().submit('succeeds');
    const launcher = await h().instance.launcher();
    const second = await launcher.launch(await h().run(submitted.runId));
    const run = await h().waitForStatus(submitted.runId, ['SUCCESS', 'FAILURE', 'CANCELED']);
    expect(run.status).toBe('SUCCESS');
    await h().waitForEvent(run.runId, 'the second worker to refuse', (e) => e.message.includes('refused to run'));
    await h().waitForWorkerGone(second);
    const events = await h().events(run.runId);
    expect(events.filter((e) => e.type === 'RUN_START')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'STEP_START' && e.stepKey === 'ok')).toHaveLength(1);
  });

  it('a launcher that throws after starting a worker fails the run and leaves nothing running', async () => {
    const instance = h().instance;
    const real = (await instance.launcher()).inner;
    const throwing: RunLauncher = {
      capabilities: real.capabilities,
      launchRun: async (ctx) => {
        await real.launchRun(ctx);
        throw new Error('quota exceeded after the worker started');
      },
      terminate: (ctx) => real.terminate(ctx),
      dispose: async () => {},
    };
    const managed = new ManagedRunLauncher(throwing, {
      name: 'ThrowingLauncher',
      storage: instance.storage,
      home: instance.home,
      computeLogs: await instance.computeLogs(),
      serializedInstance: () => instance.serialize(),
    });
    // A run that waits: a warm worker can finish a one-op run before the launcher's error is
    // recorded, and then there is nothing left to fail.
    const created = await h().createRun('waits', { waits: { dir: h().scratch() } });
    const starting = await instance.storage.runs.transition({ runId: created.runId, type: 'RUN_STARTING' });
    if (!starting.applied) throw new Error('could not mark the run STARTING');
    const run = await managed.launch(starting.run);
    expect(run.status).toBe('FAILURE');
    expect(run.statusReason).toContain(
      'ThrowingLauncher failed to launch the run: Error: quota exceeded after the worker started',
    );
    await h().waitForWorkerGone(await h().run(run.runId));
    expect((await h().run(run.runId)).status).toBe('FAILURE');
  });

  it('resume after a crash: a new worker finishes the run, and succeeded steps do not run again', async (ctx) => {
    const launcher = await h().instance.launcher();
    if (!launcher.capabilities.resume) {
      // Declared capabilities decide which cases apply; report it rather than pass silently.
      ctx.annotate?.(`${launcher.name} does not declare resume`);
      await expect(launcher.resume(await h().createRun('resumable'), 1)).rejects.toThrow('cannot resume');
      return;
    }
    const dir = h().scratch();
    const submitted = await h().submit('resumable', { first: { dir }, crashes_once: { dir } });
    await h().waitForFile(path.join(dir, 'crashed'), submitted.runId);
    await h().waitForWorkerGone(submitted);
    expect((await h().run(submitted.runId)).status).toBe('STARTED');
    await launcher.resume(await h().run(submitted.runId), 1);
    const run = await h().waitForStatus(submitted.runId, ['SUCCESS', 'FAILURE', 'CANCELED']);
    expect(run.status).toBe('SUCCESS');
    expect(readFileSync(path.join(dir, 'first-ran'), 'utf8').trim().split('\n')).toHaveLength(1);
    const events = await h().events(run.runId);
    expect(events.some((e) => e.type === 'ENGINE_EVENT' && e.message.includes('resuming run'))).toBe(true);
    expect(events.filter((e) => e.type === 'STEP_SUCCESS' && e.stepKey === 'first')).toHaveLength(1);
  });
}
