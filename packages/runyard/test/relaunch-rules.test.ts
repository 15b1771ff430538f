import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInterruptedLaunch } from '../src/daemon/monitoring/check-interrupted-launch.js';
import { Instance, type RunRecord } from '../src/index.js';
import { LAUNCH_ATTEMPT_ENV, LAUNCH_ATTEMPT_TAG } from '../src/launch/launch-attempt.js';
import { type LaunchedBy, launcherGone, thisLauncher } from '../src/launch/launcher-identity.js';
import type { RelaunchContext } from '../src/launch/relaunch-run.js';
import type { ManagedRunLauncher } from '../src/launcher/managed-run-launcher.js';
import { runWorkerLeaseName } from '../src/runs/run-worker-lease.js';
import { takeWorkerLease } from '../src/worker/launch-fence.js';
import { tempHome } from './cli-helpers.js';

/**
 * The rules behind launch recovery, on a real SQLite instance in this process: who counts as gone,
 * the worker's fence against a superseded launch, and what run monitoring does (and does not do)
 * with a STARTING run. launch-recovery.test.ts drives the same through real daemons and kills.
 */

const home = tempHome();
let instance: Instance;
let dead: LaunchedBy;

beforeAll(async () => {
  instance = await Instance.open({ home });
  // A process of this host that has exited (and been reaped): a launcher that is gone.
  const child = spawn('/bin/true');
  await new Promise((resolve) => child.once('exit', resolve));
  dead = { host: hostname(), pid: child.pid as number, startTicks: '1' };
});

afterAll(async () => {
  await instance.dispose();
  rmSync(home, { recursive: true, force: true });
});

/** A STARTING run whose RUN_STARTING names `launchedBy`, with `tags` on it. */
async function startingRun(launchedBy: LaunchedBy, tags: Record<string, string> = {}): Promise<RunRecord> {
  const run = await instance.storage.runs.createRun({
    jobName: 'counted',
    tags,
    origin: { codeLocation: '/nowhere/jobs.ts', source: 'api' },
  });
  const result = await instance.storage.runs.transition({
    runId: run.runId,
    type: 'RUN_STARTING',
    message: 'launching',
    data: { launchedBy },
  });
  if (!result.applied) throw new Error('could not make the run STARTING');
  return result.run;
}

/** A relaunch context whose launcher only notes what it was asked to launch. */
function relaunchContext(daemonId: string, launched: RunRecord[]): RelaunchContext {
  const launch = async (run: RunRecord) => {
    launched.push(run);
    return run;
  };
  const launcher = { launch } as unknown as ManagedRunLauncher;
  return { storage: instance.storage, launcher, daemonId, log: () => undefined };
}

describe('who counts as gone', () => {
  it('a process of this host: gone once it exited or its pid belongs to another process', () => {
    expect(launcherGone(thisLauncher(), undefined)).toBeUndefined();
    expect(launcherGone(dead, undefined)).toBe(`process ${dead.pid} on ${hostname()} is gone`);
    // Alive, but started at another time: the pid was given to another process since.
    expect(launcherGone({ ...thisLauncher(), startTicks: '1' }, undefined)).toMatch(/is gone$/);
  });

  it('a daemon of another host: gone once another daemon holds the lease; a CLI there cannot be told', () => {
    const remote = { host: 'elsewhere.example', pid: 1, daemonId: 'elsewhere.example:1:abcd' };
    expect(launcherGone(remote, 'here:2:ef01')).toBe(
      'daemon elsewhere.example:1:abcd no longer holds the daemon lease (here:2:ef01 does)',
    );
    expect(launcherGone(remote, remote.daemonId)).toBeUndefined();
    expect(launcherGone({ host: 'elsewhere.example', pid: 1 }, 'here:2:ef01')).toBeUndefined();
  });
});

describe('the worker fence', () => {
  it('a worker of a superseded launch attempt refuses and lets the lease go; the current one claims', async () => {
    const run = await startingRun(dead, { [LAUNCH_ATTEMPT_TAG]: '2' });
    const stale = await takeWorkerLease(instance.storage, run.runId, 'old-worker', 10_000, false, {});
    expect(stale).toEqual({
      acquired: false,
      why: "it was started by launch attempt 1, and the run's launch is now attempt 2",
    });
    const current = await takeWorkerLease(instance.storage, run.runId, 'new-worker', 10_000, false, {
      [LAUNCH_ATTEMPT_ENV]: '2',
    });
    expect(current).toEqual({ acquired: true });
  });

  it('waits for a relauncher that holds the lease for an instant, then checks the attempt', async () => {
    const run = await startingRun(dead);
    const name = runWorkerLeaseName(run.runId);
    await instance.storage.daemon.acquireLease(name, 'relaunch:some-daemon', 10_000);
    const bump = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await instance.storage.runs.updateRun(run.runId, { tags: { [LAUNCH_ATTEMPT_TAG]: '2' } });
      await instance.storage.daemon.releaseLease(name, 'relaunch:some-daemon');
    })();
    const claim = await takeWorkerLease(instance.storage, run.runId, 'old-worker', 10_000, false, {});
    await bump;
    expect(claim.acquired).toBe(false);
  });
});

describe('run monitoring and an interrupted launch', () => {
  it('relaunches a STARTING run with no worker whose launcher is gone, once, however many daemons ask', async () => {
    const run = await startingRun(dead);
    const launched: RunRecord[] = [];
    const [a, b] = await Promise.all([
      checkInterruptedLaunch(relaunchContext('daemon-a', launched), run),
      checkInterruptedLaunch(relaunchContext('daemon-b', launched), run),
    ]);
    expect([a?.handled, b?.handled].sort()).toEqual([false, true]);
    expect(launched.map((r) => r.tags[LAUNCH_ATTEMPT_TAG])).toEqual(['2']);
    const events = await instance.storage.events.getEvents(run.runId, { types: ['ENGINE_EVENT'] });
    expect(events).toHaveLength(1);
    expect(events[0]?.level).toBe('warning');
    expect(events[0]?.data).toMatchObject({ monitoring: 'relaunch', launchAttempt: 2, interrupted: dead });
    // The relaunching daemon is the launcher now: alive, so the next poll leaves the run alone.
    const again = await checkInterruptedLaunch(relaunchContext('daemon-a', launched), launched[0] as RunRecord);
    expect(again.handled).toBe(false);
    expect(again.launchedAt).toBe(events[0]?.timestamp);
  });

  it('leaves alone a run whose launcher lives, and a run whose launcher recorded a worker', async () => {
    const launched: RunRecord[] = [];
    const live = await startingRun(thisLauncher());
    expect((await checkInterruptedLaunch(relaunchContext('daemon-a', launched), live)).handled).toBe(false);
    const withWorker = await startingRun(dead);
    const recorded = await instance.storage.runs.updateRun(withWorker.runId, { worker: { launcher: 'Elsewhere' } });
    expect((await checkInterruptedLaunch(relaunchContext('daemon-a', launched), recorded as RunRecord)).handled).toBe(
      false,
    );
    expect(launched).toEqual([]);
  });

  it("calls the relaunch off while a worker holds the run's lease (it is claiming the run), not for a dead relauncher", async () => {
    const launched: RunRecord[] = [];
    const claiming = await startingRun(dead);
    await instance.storage.daemon.acquireLease(runWorkerLeaseName(claiming.runId), 'host:4242', 10_000);
    expect((await checkInterruptedLaunch(relaunchContext('daemon-a', launched), claiming)).handled).toBe(false);
    expect(launched).toEqual([]);
    // A relauncher killed while it held the lease: the next one takes it over at once.
    const orphaned = await startingRun(dead);
    await instance.storage.daemon.acquireLease(runWorkerLeaseName(orphaned.runId), 'relaunch:dead-daemon', 10_000);
    expect((await checkInterruptedLaunch(relaunchContext('daemon-a', launched), orphaned)).handled).toBe(true);
    expect(launched.map((r) => r.runId)).toEqual([orphaned.runId]);
    expect(await instance.storage.daemon.getLease(runWorkerLeaseName(orphaned.runId))).toBeUndefined();
  });

  it('fails the run after five interrupted launches, saying so', async () => {
    const run = await startingRun(dead, { [LAUNCH_ATTEMPT_TAG]: '5' });
    const launched: RunRecord[] = [];
    expect((await checkInterruptedLaunch(relaunchContext('daemon-a', launched), run)).handled).toBe(true);
    const failed = await instance.storage.runs.getRun(run.runId);
    expect(failed?.status).toBe('FAILURE');
    expect(failed?.statusReason).toBe(
      `the launch of the run was interrupted 5 times before a worker was recorded (last: process ${dead.pid} on ${hostname()} is gone); giving up after 5 launch attempts`,
    );
    expect(launched).toEqual([]);
  });
});
