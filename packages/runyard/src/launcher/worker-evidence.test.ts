import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LauncherComputeLogManager } from '../compute-logs/launcher-compute-log-manager.js';
import { Instance } from '../instance/instance.js';
import type { RunRecord } from '../runs/run-record.js';
import { BaseRunLauncher } from './base-run-launcher.js';
import { ManagedRunLauncher } from './managed-run-launcher.js';
import type { TerminateResult, WorkerRef } from './run-launcher.js';
import { EVIDENCE_MAX_BYTES, keepWorkerEvidence, latestWorkerEvidence } from './worker-evidence.js';

/** A launcher whose worker's output lives "elsewhere" (in this object) until the test removes it. */
class RemoteOutputLauncher extends BaseRunLauncher {
  output: { stdout: string; stderr: string } | undefined = { stdout: 'hello\n', stderr: 'oops\n' };
  async launchRun(): Promise<WorkerRef> {
    throw new Error('not used');
  }
  async terminate(): Promise<TerminateResult> {
    return { stopped: true, escalated: false, detail: 'stopped' };
  }
  override async readWorkerOutput(_run: RunRecord, stream: 'stdout' | 'stderr') {
    return this.output?.[stream];
  }
  override async debugInfo() {
    return 'pod p: phase Failed\nWarning events:\n  p: OOMKilling: memory';
  }
}

describe("a worker's output kept in the run's events, and served by the instance's compute logs", () => {
  let instance: Instance;
  let run: RunRecord;
  beforeEach(async () => {
    instance = await Instance.ephemeral();
    const runs = instance.storage.runs;
    const { runId } = await runs.createRun({ jobName: 'job', origin: { codeLocation: '/x.ts', source: 'api' } });
    await runs.updateRun(runId, { worker: { launcher: 'Remote', externalId: 'w1' } });
    run = (await runs.getRun(runId)) as RunRecord;
  });
  afterEach(async () => {
    await instance.dispose();
  });

  it('keeps the tail of a long stream from a line start, with the debug info, and says it was cut', async () => {
    const launcher = new RemoteOutputLauncher();
    const line = `${'x'.repeat(99)}\n`;
    launcher.output = { stdout: `first line\n${line.repeat(EVIDENCE_MAX_BYTES / 100 + 10)}`, stderr: 'oops\n' };
    expect(await keepWorkerEvidence(instance.storage, launcher, run, 'before the test')).toBe(true);
    const kept = await latestWorkerEvidence(instance.storage, run.runId);
    expect(kept?.truncated).toBe(true);
    expect(Buffer.byteLength(kept?.stdout ?? '')).toBeLessThanOrEqual(EVIDENCE_MAX_BYTES);
    expect(kept?.stdout.startsWith(line)).toBe(true);
    expect(kept).toMatchObject({ worker: 'w1', stderr: 'oops\n', debugInfo: expect.stringContaining('OOMKilling') });
    // A worker already gone leaves nothing to copy, and the earlier copy stays the latest.
    launcher.output = undefined;
    expect(await keepWorkerEvidence(instance.storage, launcher, run, 'again')).toBe(false);
    expect((await latestWorkerEvidence(instance.storage, run.runId))?.stderr).toBe('oops\n');
  });

  it('serves the live output, then the copy terminate kept; offsets page through it', async () => {
    const launcher = new RemoteOutputLauncher();
    const managed = new ManagedRunLauncher(launcher, {
      name: 'Remote',
      storage: instance.storage,
      home: instance.home,
      computeLogs: await instance.computeLogs(),
      serializedInstance: () => '{}',
    });
    const base = ((await instance.computeLogs()) as LauncherComputeLogManager).base;
    const logs = new LauncherComputeLogManager(base, instance.storage, async () => managed);
    launcher.output = { stdout: 'héllo\nworld\n', stderr: 'oops\n' };
    expect((await logs.read(run.runId, 'stdout')).data).toBe('héllo\nworld\n');
    await managed.terminate(run, { graceMs: 0 });
    launcher.output = undefined;
    const first = await logs.read(run.runId, 'stdout', { maxBytes: 2 });
    // Two bytes would cut the é in half: the chunk stops before it.
    expect(first).toEqual({ data: 'h', nextOffset: 1, exists: true });
    const rest = await logs.read(run.runId, 'stdout', { offset: first.nextOffset });
    expect(rest.data).toBe('éllo\nworld\n');
    expect((await logs.read(run.runId, 'stderr')).data).toBe('oops\n');
  });
});
