import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Instance } from 'runyard';
import { prepareHeartbeatThread, RunHeartbeat } from 'runyard/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A warm run worker starts its next run's heartbeat thread while it waits (prepareHeartbeatThread);
// the run's RunHeartbeat adopts it and tells it which run to beat for.
const WAIT_MS = 45_000;

async function waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a heartbeat thread started before its run', () => {
  let home: string;
  let instance: Instance;
  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'runyard-heartbeat-standby-'));
    instance = await Instance.open({ home });
  });
  afterAll(async () => {
    await instance?.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  const newRun = () =>
    instance.storage.runs.createRun({
      jobName: 'j',
      runConfig: {},
      tags: {},
      origin: { codeLocation: 'x', source: 'api' },
    });
  const beatAt = async (runId: string) => (await instance.storage.runs.getRun(runId))?.workerHeartbeatAt ?? 0;

  it('beats for the run that adopts it, renews its lease, and stops with it', async () => {
    prepareHeartbeatThread(instance.serialize());
    const run = await newRun();
    const lease = { name: `test-lease-${run.runId}`, holder: 'me', ttlMs: 60_000 };
    const heartbeat = await RunHeartbeat.start({
      storage: instance.storage,
      serializedInstance: instance.serialize(),
      target: { runId: run.runId, lease },
      intervalMs: 100,
    });
    expect(heartbeat.threaded).toBe(true);
    const first = await beatAt(run.runId);
    await waitUntil('a beat from the thread', async () => (await beatAt(run.runId)) > first);
    // The lease is the thread's to renew: another holder cannot take it while it beats.
    expect((await instance.storage.daemon.acquireLease(lease.name, 'other', 60_000)).acquired).toBe(false);

    await heartbeat.stop();
    expect(heartbeat.threaded).toBe(false);
    const stoppedAt = await beatAt(run.runId);
    await new Promise((r) => setTimeout(r, 400));
    expect(await beatAt(run.runId)).toBe(stoppedAt);
  });

  it('is not adopted by a run of another instance, which gets a thread of its own', async () => {
    const otherHome = mkdtempSync(path.join(tmpdir(), 'runyard-heartbeat-other-'));
    const other = await Instance.open({ home: otherHome });
    try {
      prepareHeartbeatThread(other.serialize());
      const run = await newRun();
      const heartbeat = await RunHeartbeat.start({
        storage: instance.storage,
        serializedInstance: instance.serialize(),
        target: { runId: run.runId },
        intervalMs: 100,
      });
      const first = await beatAt(run.runId);
      // Beats reach this instance's storage, so they come from a thread opened on it.
      await waitUntil('a beat from a thread of its own', async () => (await beatAt(run.runId)) > first);
      await heartbeat.stop();
    } finally {
      await other.dispose();
      rmSync(otherHome, { recursive: true, force: true });
    }
  });
});
