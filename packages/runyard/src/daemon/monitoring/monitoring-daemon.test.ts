import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Instance } from '../../instance/instance.js';
import { DEFAULT_RUN_MONITORING } from '../../instance/instance-config-defaults.js';
import type { RunMonitoringSettings } from '../../instance/instance-config-types.js';
import { MAX_LAUNCH_ATTEMPTS } from '../../launch/launch-attempt.js';
import { type LaunchedBy, thisLauncher } from '../../launch/launcher-identity.js';
import { terminateRun } from '../../launch/terminate-run.js';
import { ManagedRunLauncher } from '../../launcher/managed-run-launcher.js';
import type {
  LauncherCapabilities,
  LaunchRunContext,
  ResumeRunContext,
  RunLauncher,
  TerminateContext,
  TerminateResult,
  WorkerHealth,
} from '../../launcher/run-launcher.js';
import type { RunRecord, WorkerRef } from '../../runs/run-record.js';
import type { DaemonIterationContext } from '../daemon.js';
import { createMonitoringDaemon, type MonitoredInstance, MonitoringDaemon } from './monitoring-daemon.js';

const T0 = 1_700_000_000_000;

/** A launcher with no processes behind it: the test says how each worker is, and reads what was asked. */
class FakeLauncher implements RunLauncher {
  capabilities: LauncherCapabilities = { healthCheck: true, resume: true, debugInfo: true };
  readonly health = new Map<string, WorkerHealth>();
  readonly calls: string[] = [];
  /** Runs before a health check answers: lets a test move the run meanwhile, as a racing worker would. */
  beforeHealth: ((run: RunRecord) => Promise<void>) | undefined;

  async launchRun(_ctx: LaunchRunContext): Promise<WorkerRef> {
    throw new Error('not used');
  }

  async terminate(ctx: TerminateContext): Promise<TerminateResult> {
    const id = String(ctx.run.worker?.externalId);
    this.calls.push(`terminate ${id} grace=${ctx.graceMs}`);
    if (this.health.get(id)?.status !== 'FAILED') this.health.set(id, { status: 'FAILED', signal: 'SIGKILL' });
    return {
      stopped: true,
      escalated: ctx.graceMs === 0,
      detail: `killed fake worker ${String(ctx.run.worker?.externalId)}`,
    };
  }

  async checkRunWorkerHealth(run: RunRecord): Promise<WorkerHealth> {
    await this.beforeHealth?.(run);
    return this.health.get(String(run.worker?.externalId)) ?? { status: 'RUNNING' };
  }

  async resumeRun(ctx: ResumeRunContext): Promise<WorkerRef> {
    this.calls.push(`resume attempt=${ctx.resumeAttempt}`);
    return { launcher: 'FakeLauncher', externalId: `w${ctx.resumeAttempt + 1}` };
  }

  async debugInfo(run: RunRecord): Promise<string | undefined> {
    return `fake worker ${String(run.worker?.externalId)}: exited with code 1\nlast lines of stderr:\nboom`;
  }

  async dispose(): Promise<void> {}
}

describe('MonitoringDaemon, against a fake launcher and in-memory storage', () => {
  let instance: Instance;
  let fake: FakeLauncher;
  let managed: ManagedRunLauncher;
  let now: number;
  const logs: string[] = [];
  const ctx = (daemonId = 'daemon-1'): DaemonIterationContext => ({
    instance,
    daemonId,
    signal: new AbortController().signal,
    log: (m) => logs.push(m),
  });

  beforeEach(async () => {
    instance = await Instance.ephemeral();
    fake = new FakeLauncher();
    managed = new ManagedRunLauncher(fake, {
      name: 'FakeLauncher',
      storage: instance.storage,
      home: instance.home,
      computeLogs: await instance.computeLogs(),
      serializedInstance: () => '{}',
    });
    now = T0;
    logs.length = 0;
  });
  afterEach(async () => {
    await instance.dispose();
  });

  const daemon = (settings: Partial<RunMonitoringSettings> = {}) => {
    const target: MonitoredInstance = {
      storage: instance.storage,
      config: { runMonitoring: { ...DEFAULT_RUN_MONITORING, ...settings } },
      launcher: async () => managed,
      terminateRun: (runId, options) => terminateRun(instance.storage, managed, runId, options),
    };
    return new MonitoringDaemon(target, { now: () => now });
  };

  /** A run as a launch leaves it: STARTING at T0, worker w1 recorded; STARTED at T0 + 1 s when asked. */
  async function launchedRun(status: 'STARTING' | 'STARTED', tags: Record<string, string> = {}): Promise<RunRecord> {
    const runs = instance.storage.runs;
    const { runId } = await runs.createRun({ jobName: 'job', origin: { codeLocation: '/x.ts', source: 'api' }, tags });
    await runs.transition({ runId, type: 'RUN_STARTING', timestamp: T0 });
    await runs.updateRun(runId, { worker: { launcher: 'FakeLauncher', externalId: 'w1' } });
    if (status === 'STARTED') {
      await runs.transition({ runId, type: 'RUN_START', timestamp: T0 + 1_000 });
      await runs.updateRun(runId, { workerHeartbeatAt: T0 + 1_000 });
    }
    return (await runs.getRun(runId)) as RunRecord;
  }

  const get = async (runId: string) => (await instance.storage.runs.getRun(runId)) as RunRecord;
  const events = (runId: string) => instance.storage.events.getEvents(runId);

  it('asks each launcher about its own runs only, one batch per launcher, and reports a run whose launcher is gone', async () => {
    const other = new FakeLauncher();
    const otherManaged = new ManagedRunLauncher(other, {
      name: 'OtherLauncher',
      storage: instance.storage,
      home: instance.home,
      computeLogs: await instance.computeLogs(),
      serializedInstance: () => '{}',
    });
    const asked: Record<string, string[]> = { a: [], b: [] };
    fake.beforeHealth = async (run) => void asked.a?.push(run.runId);
    other.beforeHealth = async (run) => void asked.b?.push(run.runId);
    const onA = await launchedRun('STARTED', { 'runyard/launcher': 'a' });
    const onB = await launchedRun('STARTED', { 'runyard/launcher': 'b' });
    const gone = await launchedRun('STARTED', { 'runyard/launcher': 'removed' });
    other.health.set('w1', { status: 'FAILED', exitCode: 137, reason: 'killed on b' });
    const { LauncherNotConfiguredError } = await import('../../launcher/run-launcher-router.js');
    const target: MonitoredInstance = {
      storage: instance.storage,
      config: { runMonitoring: DEFAULT_RUN_MONITORING },
      launcher: async () => managed,
      launcherForRun: async (run) => {
        const name = run.tags['runyard/launcher'];
        if (name === 'a') return managed;
        if (name === 'b') return otherManaged;
        throw new LauncherNotConfiguredError(run.runId, String(name), ['a', 'b']);
      },
      terminateRun: async () => ({}) as never,
    };
    now = T0 + 2_000;
    await new MonitoringDaemon(target, { now: () => now }).runIteration(ctx());
    expect(asked).toEqual({ a: [onA.runId], b: [onB.runId] });
    expect((await get(onA.runId)).status).toBe('STARTED');
    expect((await get(onB.runId)).status).toBe('FAILURE');
    expect(other.calls).toEqual(['terminate w1 grace=0']);
    expect(fake.calls).toEqual([]);
    expect((await get(gone.runId)).status).toBe('STARTED');
    const report = (await events(gone.runId)).at(-1);
    expect(report?.data).toMatchObject({ monitoring: 'launcher_not_configured' });
    expect(report?.message).toContain("was launched with launcher 'removed', which runyard.yaml no longer names");
  });

  it('is on by default and off when runMonitoring.enabled is false; polls every pollIntervalSeconds', () => {
    const config = (enabled: boolean) => ({ runMonitoring: { ...DEFAULT_RUN_MONITORING, enabled } });
    const base = { storage: instance.storage, launcher: async () => managed, terminateRun: async () => ({}) as never };
    expect(createMonitoringDaemon({ ...base, config: config(true) })?.intervalMs).toBe(2_000);
    expect(createMonitoringDaemon({ ...base, config: config(false) })).toBeUndefined();
  });

  it('fails a run stuck in STARTING with the launcher debug info in the event and statusReason, and stops its worker', async () => {
    const run = await launchedRun('STARTING');
    const d = daemon();
    now = T0 + 180_000;
    await d.runIteration(ctx());
    expect((await get(run.runId)).status).toBe('STARTING');
    now = T0 + 180_500;
    await d.runIteration(ctx());
    const failed = await get(run.runId);
    const expected = 'run did not start within 180 s; fake worker w1: exited with code 1\nlast lines of stderr:\nboom';
    expect(failed.status).toBe('FAILURE');
    expect(failed.statusReason).toBe(expected);
    const failure = (await events(run.runId)).find((e) => e.type === 'RUN_FAILURE');
    expect(failure?.message).toBe(expected);
    expect(fake.calls).toEqual(['terminate w1 grace=0']);
    expect((await events(run.runId)).at(-1)?.message).toBe('run monitoring stopped the worker: killed fake worker w1');
  });

  it('two daemons acting at once fail the run once and stop its worker once', async () => {
    const run = await launchedRun('STARTING');
    now = T0 + 200_000;
    await Promise.all([daemon().runIteration(ctx('a')), daemon().runIteration(ctx('b'))]);
    expect((await events(run.runId)).filter((e) => e.type === 'RUN_FAILURE')).toHaveLength(1);
    expect(fake.calls).toEqual(['terminate w1 grace=0']);
  });

  it('fails a STARTED run at once when the launcher reports the worker killed, and not when the run finished meanwhile', async () => {
    const run = await launchedRun('STARTED');
    fake.health.set('w1', { status: 'FAILED', signal: 'SIGKILL', reason: 'worker process was killed by SIGKILL' });
    now = T0 + 2_000;
    await daemon().runIteration(ctx());
    const failed = await get(run.runId);
    expect(failed.statusReason).toBe('run worker died: worker process was killed by SIGKILL');
    const failure = (await events(run.runId)).find((e) => e.type === 'RUN_FAILURE');
    expect(failure?.message).toContain('run worker died: worker process was killed by SIGKILL; fake worker w1');
    expect(fake.calls).toEqual(['terminate w1 grace=0']);

    // The worker records SUCCESS and exits between the listing and the health check: nothing to do.
    const raced = await launchedRun('STARTED');
    fake.calls.length = 0;
    fake.beforeHealth = async (r) => {
      await instance.storage.runs.transition({ runId: r.runId, type: 'RUN_SUCCESS' });
    };
    await daemon().runIteration(ctx());
    expect((await get(raced.runId)).status).toBe('SUCCESS');
    expect(fake.calls).toEqual([]);
  });

  it('resumes a dead worker while attempts remain, counting them in a tag, then fails when they run out', async () => {
    const run = await launchedRun('STARTED');
    fake.health.set('w1', { status: 'FAILED', exitCode: 1, reason: 'worker process exited with code 1' });
    const d = daemon({ maxResumeAttempts: 1 });
    now = T0 + 2_000;
    await d.runIteration(ctx());
    let current = await get(run.runId);
    expect(current.status).toBe('STARTED');
    expect(current.tags['runyard/resume_attempt']).toBe('1');
    expect(current.worker?.externalId).toBe('w2');
    // Whatever was left of the old worker is stopped before the new one starts.
    expect(fake.calls).toEqual(['terminate w1 grace=0', 'resume attempt=1']);
    const resumed = (await events(run.runId)).find((e) => e.data?.monitoring === 'resume');
    expect(resumed).toMatchObject({
      type: 'ENGINE_EVENT',
      message: 'run worker died: worker process exited with code 1; resuming the run in a new worker (attempt 1 of 1)',
    });

    // The new worker has not sent a heartbeat yet: it counts from its resume, so it is left alone.
    now = T0 + 2_000 + 5_000;
    await d.runIteration(ctx());
    expect((await get(run.runId)).status).toBe('STARTED');

    fake.health.set('w2', { status: 'FAILED', exitCode: 1, reason: 'worker process exited with code 1' });
    await d.runIteration(ctx());
    current = await get(run.runId);
    expect(current.status).toBe('FAILURE');
    expect(current.statusReason).toBe('run worker died: worker process exited with code 1 (after 1 resume attempt)');
    expect(fake.calls).toEqual(['terminate w1 grace=0', 'resume attempt=1', 'terminate w2 grace=0']);
  });

  it('two daemons resume one attempt once', async () => {
    const run = await launchedRun('STARTED');
    fake.health.set('w1', { status: 'FAILED', reason: 'worker process was killed by SIGKILL' });
    now = T0 + 2_000;
    await Promise.all([
      daemon({ maxResumeAttempts: 3 }).runIteration(ctx('a')),
      daemon({ maxResumeAttempts: 3 }).runIteration(ctx('b')),
    ]);
    expect(fake.calls).toEqual(['terminate w1 grace=0', 'resume attempt=1']);
    expect((await events(run.runId)).filter((e) => e.message.startsWith('run worker died'))).toHaveLength(1);
  });

  it('resumes a worker that is alive but silent only after stopping it', async () => {
    const run = await launchedRun('STARTED');
    now = T0 + 1_000 + 6_500; // RUNNING, says the launcher, but no heartbeat for 6.5 s
    await daemon({ maxResumeAttempts: 1 }).runIteration(ctx());
    expect(fake.calls).toEqual(['terminate w1 grace=0', 'resume attempt=1']);
    const messages = (await events(run.runId)).filter((e) => e.type === 'ENGINE_EVENT').map((e) => e.message);
    expect(messages).toEqual([
      'run worker died: no heartbeat for 6.5 s (timeout 6 s); resuming the run in a new worker (attempt 1 of 1)',
      'run monitoring stopped the old worker: killed fake worker w1',
    ]);
  });

  it('falls back on heartbeats for a launcher without health checks', async () => {
    fake.capabilities = { healthCheck: false, resume: false, debugInfo: false };
    const run = await launchedRun('STARTED');
    const d = daemon();
    now = T0 + 1_000 + 6_000;
    await d.runIteration(ctx());
    expect((await get(run.runId)).status).toBe('STARTED');
    now = T0 + 1_000 + 7_000;
    await d.runIteration(ctx());
    const failed = await get(run.runId);
    expect(failed.statusReason).toBe('run worker died: no heartbeat for 7 s (timeout 6 s)');
    expect((await events(run.runId)).find((e) => e.type === 'RUN_FAILURE')?.message).toBe(
      'run worker died: no heartbeat for 7 s (timeout 6 s); FakeLauncher gave no debug info',
    );
    expect(fake.calls).toEqual(['terminate w1 grace=0']);
  });

  it('does not judge heartbeats right after the daemon itself was paused', async () => {
    fake.capabilities = { healthCheck: false, resume: false, debugInfo: false };
    const run = await launchedRun('STARTED');
    const d = daemon();
    now = T0 + 1_000;
    await d.runIteration(ctx());
    now = T0 + 3_600_000; // an hour asleep: the worker slept too
    await d.runIteration(ctx());
    expect((await get(run.runId)).status).toBe('STARTED');
    await instance.storage.runs.updateRun(run.runId, { workerHeartbeatAt: now });
    now += 2_000;
    await d.runIteration(ctx());
    expect((await get(run.runId)).status).toBe('STARTED');
  });

  it('leaves runs executed in process alone: they have no worker to watch', async () => {
    const runs = instance.storage.runs;
    const { runId } = await runs.createRun({ jobName: 'job', origin: { codeLocation: '/x.ts', source: 'cli' } });
    await runs.transition({ runId, type: 'RUN_START', timestamp: T0 });
    now = T0 + 3_600_000;
    await daemon().runIteration(ctx());
    expect((await get(runId)).status).toBe('STARTED');
  });

  it('marks a run stuck in CANCELING as CANCELED with the reason, then kills its worker', async () => {
    const run = await launchedRun('STARTED');
    await instance.storage.runs.transition({ runId: run.runId, type: 'RUN_CANCELING', timestamp: T0 + 5_000 });
    await instance.storage.runs.updateRun(run.runId, { workerHeartbeatAt: T0 + 1_000 });
    const d = daemon({ cancelTimeoutSeconds: 60 });
    now = T0 + 65_000;
    await d.runIteration(ctx());
    expect((await get(run.runId)).status).toBe('CANCELING');
    now = T0 + 65_001;
    await d.runIteration(ctx());
    const canceled = await get(run.runId);
    const reason = 'run was still CANCELING 60 s after termination was requested';
    expect(canceled).toMatchObject({ status: 'CANCELED', statusReason: reason });
    expect((await events(run.runId)).find((e) => e.type === 'RUN_CANCELED')?.message).toBe(
      `${reason}; its worker is being killed`,
    );
    expect(fake.calls).toEqual(['terminate w1 grace=0']);
    expect((await events(run.runId)).at(-1)?.message).toBe('run monitoring stopped the worker: killed fake worker w1');
  });

  it('terminates a run past its max runtime, saying why in an engine event and in statusReason', async () => {
    const run = await launchedRun('STARTED', { 'runyard/max_runtime': '30' });
    const d = daemon();
    now = T0 + 1_000 + 30_000;
    await instance.storage.runs.updateRun(run.runId, { workerHeartbeatAt: now });
    await d.runIteration(ctx());
    expect((await get(run.runId)).status).toBe('STARTED');
    now += 1_500;
    await instance.storage.runs.updateRun(run.runId, { workerHeartbeatAt: now });
    await d.runIteration(ctx());
    await d.settled();
    const canceled = await get(run.runId);
    const why = 'run exceeded its max runtime of 30 s (tag runyard/max_runtime); it ran for 32 s';
    expect(canceled.status).toBe('CANCELED');
    expect(canceled.statusReason).toBe(`${why}; terminated`);
    const engine = (await events(run.runId)).find((e) => e.data?.monitoring === 'max_runtime');
    expect(engine).toMatchObject({ type: 'ENGINE_EVENT', message: `${why}; terminating it` });
    expect(fake.calls).toEqual(['terminate w1 grace=10000']);
  });

  it('reports a bad max runtime tag once per run, even across daemons, and otherwise ignores it', async () => {
    const run = await launchedRun('STARTED', { 'runyard/max_runtime': '2h' });
    for (const d of [daemon(), daemon()]) {
      for (let i = 0; i < 3; i++) {
        now += 1_000;
        await instance.storage.runs.updateRun(run.runId, { workerHeartbeatAt: now });
        await d.runIteration(ctx());
      }
    }
    const reports = (await events(run.runId)).filter((e) => e.data?.monitoring === 'max_runtime_invalid');
    expect(reports.map((e) => e.message)).toEqual([
      'tag runyard/max_runtime="2h" is not a positive number of seconds; the run has no max runtime',
    ]);
    expect((await get(run.runId)).status).toBe('STARTED');
  });

  it('a worker that cannot be stopped is reported on its run, and the other runs are still handled', async () => {
    const broken = await launchedRun('STARTED');
    const dead = await launchedRun('STARTED');
    fake.health.set('w1', { status: 'FAILED', reason: 'worker process exited with code 1' });
    const terminate = fake.terminate.bind(fake);
    fake.terminate = async (tctx) => {
      if (tctx.run.runId === broken.runId) throw new Error('the cloud is down');
      return terminate(tctx);
    };
    now = T0 + 2_000;
    await daemon().runIteration(ctx());
    expect((await get(broken.runId)).status).toBe('FAILURE');
    expect((await get(dead.runId)).status).toBe('FAILURE');
    const cleanup = (await events(broken.runId)).at(-1);
    expect(cleanup).toMatchObject({
      level: 'error',
      message: 'run monitoring could not stop the worker: Error: the cloud is down',
    });
  });

  describe('a worker that failed to start for a passing reason (check-failed-start.ts)', () => {
    const capacity: WorkerHealth = {
      status: 'FAILED',
      failureClass: 'capacity',
      retryable: true,
      reason: 'task w1 stopped: Capacity is unavailable at this time',
    };
    /** A STARTING run with worker w1 whose RUN_STARTING names `launchedBy`. */
    async function failedStart(launchedBy: LaunchedBy, tags: Record<string, string> = {}): Promise<RunRecord> {
      const runs = instance.storage.runs;
      const { runId } = await runs.createRun({
        jobName: 'job',
        origin: { codeLocation: '/x.ts', source: 'api' },
        tags,
      });
      await runs.transition({ runId, type: 'RUN_STARTING', timestamp: T0, data: { launchedBy } });
      await runs.updateRun(runId, { worker: { launcher: 'FakeLauncher', externalId: 'w1' } });
      fake.health.set('w1', capacity);
      return (await runs.getRun(runId)) as RunRecord;
    }
    // This process, but started at another time: a launcher that is gone, on this host.
    const gone = (): LaunchedBy => ({ ...thisLauncher(undefined), startTicks: '1' });
    const launched: LaunchRunContext[] = [];
    beforeEach(() => {
      launched.length = 0;
      fake.launchRun = async (lctx) => {
        launched.push(lctx);
        return { launcher: 'FakeLauncher', externalId: 'w2' };
      };
    });

    it('relaunches once its launcher is gone: the failed worker leaves the run and is stopped, and the launcher is told', async () => {
      const run = await failedStart(gone());
      await daemon().runIteration(ctx());
      await daemon().runIteration(ctx('daemon-2'));
      const after = await get(run.runId);
      expect(after).toMatchObject({ status: 'STARTING', worker: { externalId: 'w2' } });
      expect(after.tags['runyard/launch_attempt']).toBe('2');
      expect(launched).toHaveLength(1);
      expect(launched[0]?.previousWorker).toEqual({ launcher: 'FakeLauncher', externalId: 'w1' });
      expect(launched[0]?.worker.env.RUNYARD_LAUNCH_ATTEMPT).toBe('2');
      expect(fake.calls).toEqual(['terminate w1 grace=0']);
    });

    it('leaves it alone while its launcher lives (its own start watch replaces it)', async () => {
      const run = await failedStart(thisLauncher(undefined));
      await daemon().runIteration(ctx());
      expect(await get(run.runId)).toMatchObject({ status: 'STARTING', worker: { externalId: 'w1' } });
      expect(launched).toEqual([]);
      expect(fake.calls).toEqual([]);
    });

    it('fails the run, and stops the worker, once MAX_LAUNCH_ATTEMPTS launches are spent', async () => {
      const run = await failedStart(gone(), { 'runyard/launch_attempt': String(MAX_LAUNCH_ATTEMPTS) });
      await daemon().runIteration(ctx());
      const after = await get(run.runId);
      expect(after.status).toBe('FAILURE');
      expect(after.statusReason).toMatch(
        /^no worker of the run started in 5 launch attempts \(last: there is no room for the worker now \(capacity\): task w1 stopped: Capacity is unavailable at this time; process \d+ on \S+ is gone\); giving up after 5 launch attempts$/,
      );
      expect(launched).toEqual([]);
      expect(fake.calls).toEqual(['terminate w1 grace=0']);
    });

    it('a launcher that says its start budget is spent (retryable: false) fails the run as cannot_start', async () => {
      const run = await failedStart(gone());
      fake.health.set('w1', { ...capacity, retryable: false });
      await daemon().runIteration(ctx());
      expect((await get(run.runId)).status).toBe('FAILURE');
      expect(launched).toEqual([]);
    });
  });
});
