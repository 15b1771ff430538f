import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Instance } from '../../instance/instance.js';
import { DEFAULT_RUN_MONITORING } from '../../instance/instance-config-defaults.js';
import { terminateRun } from '../../launch/terminate-run.js';
import { ManagedRunLauncher } from '../../launcher/managed-run-launcher.js';
import type { RunLauncher, TerminateResult } from '../../launcher/run-launcher.js';
import type { RunRecord, WorkerRef } from '../../runs/run-record.js';
import type { Storage } from '../../storage/storage.js';
import type { DaemonIterationContext } from '../daemon.js';
import { MonitoringDaemon } from './monitoring-daemon.js';

const T0 = 1_700_000_000_000;

/** A launcher that cannot check health: heartbeats are all monitoring has to go on. */
class NoHealthLauncher implements RunLauncher {
  readonly capabilities = { healthCheck: false, resume: false, debugInfo: false };
  async launchRun(): Promise<WorkerRef> {
    throw new Error('not used');
  }
  async terminate(): Promise<TerminateResult> {
    return { stopped: true, escalated: false, detail: 'stopped' };
  }
  async dispose(): Promise<void> {}
}

describe('run monitoring across a storage outage', () => {
  let instance: Instance;
  let now: number;
  let down: boolean;

  beforeEach(async () => {
    instance = await Instance.ephemeral();
    now = T0;
    down = false;
  });
  afterEach(async () => {
    await instance.dispose();
  });

  function daemon(): MonitoringDaemon {
    const real = instance.storage;
    // The real storage, whose reads fail as a stopped PostgreSQL's do while `down`.
    const runs = new Proxy(real.runs, {
      get: (target, key, receiver) => {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          down
            ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))
            : value.apply(target, args);
      },
    });
    const storage = { ...real, runs, events: real.events } as Storage;
    const managed = new ManagedRunLauncher(new NoHealthLauncher(), {
      name: 'NoHealthLauncher',
      storage: real,
      home: instance.home,
      computeLogs: undefined as never,
      serializedInstance: () => '{}',
    });
    return new MonitoringDaemon(
      {
        storage,
        config: { runMonitoring: DEFAULT_RUN_MONITORING },
        launcher: async () => managed,
        terminateRun: (runId, options) => terminateRun(real, managed, runId, options),
      },
      { now: () => now },
    );
  }

  const ctx: DaemonIterationContext = {
    instance: undefined as never,
    daemonId: 'd',
    signal: new AbortController().signal,
    log: () => undefined,
  };

  async function startedRun(): Promise<RunRecord> {
    const runs = instance.storage.runs;
    const { runId } = await runs.createRun({ jobName: 'job', origin: { codeLocation: '/x.ts', source: 'api' } });
    await runs.transition({ runId, type: 'RUN_STARTING', timestamp: T0 });
    await runs.updateRun(runId, { worker: { launcher: 'NoHealthLauncher', externalId: 'w1' } });
    await runs.transition({ runId, type: 'RUN_START', timestamp: T0 + 1_000 });
    await runs.updateRun(runId, { workerHeartbeatAt: T0 + 1_000 });
    return (await runs.getRun(runId)) as RunRecord;
  }

  it('gives workers a full heartbeat timeout after storage is back before a missing heartbeat counts', async () => {
    const run = await startedRun();
    const d = daemon();
    const status = async () => (await instance.storage.runs.getRun(run.runId))?.status;
    now = T0 + 2_000;
    await d.runIteration(ctx);

    // Storage is unreachable for 5 s: the worker's heartbeats are not stored, and monitoring cannot read.
    down = true;
    now = T0 + 4_000;
    await expect(d.runIteration(ctx)).rejects.toThrow('ECONNREFUSED');
    down = false;

    // Storage is back; the last stored heartbeat is 7 s old (timeout 6 s), through no fault of the worker.
    now = T0 + 8_000;
    await d.runIteration(ctx);
    expect(await status()).toBe('STARTED');

    // Still silent a full timeout after storage came back (polling every 2 s meanwhile): now it counts.
    for (now = T0 + 10_000; now <= T0 + 14_000; now += 2_000) await d.runIteration(ctx);
    expect(await status()).toBe('STARTED');
    now = T0 + 8_000 + 6_500;
    await d.runIteration(ctx);
    expect(await status()).toBe('FAILURE');
  });

  it('does the same when it missed its polls in the outage (the daemon lost its lease and stood by)', async () => {
    const run = await startedRun();
    const d = daemon();
    const status = async () => (await instance.storage.runs.getRun(run.runId))?.status;
    now = T0 + 2_000;
    await d.runIteration(ctx);
    // No iteration at all for 6 s; then the last stored heartbeat is 7 s old.
    now = T0 + 8_000;
    await d.runIteration(ctx);
    expect(await status()).toBe('STARTED');
    for (now = T0 + 10_000; now <= T0 + 14_000; now += 2_000) await d.runIteration(ctx);
    expect(await status()).toBe('STARTED');
    now = T0 + 8_000 + 6_500;
    await d.runIteration(ctx);
    expect(await status()).toBe('FAILURE');
  });
});
