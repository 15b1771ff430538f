import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Daemon, DaemonIterationContext } from '../src/daemon/daemon.js';
import { DAEMON_LEASE, DaemonLoop } from '../src/daemon/daemon-loop.js';
import { Instance } from '../src/index.js';
import { runCli, tempHome } from './cli-helpers.js';
import { waitFor } from './fixtures/queue-harness.js';

/**
 * The loop every sub-daemon runs in (STYLE.md habit 9): errors recorded in the heartbeat without
 * stopping the loop, heartbeats that `runyard instance info` shows, one acting daemon per lease,
 * and a stop that lets the current iteration finish and releases the lease.
 */

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openInstance(home = tempHome()): Promise<Instance> {
  const instance = await Instance.open({ home });
  cleanups.push(async () => {
    await instance.dispose();
    rmSync(home, { recursive: true, force: true });
  });
  return instance;
}

function startLoop(instance: Instance, daemons: Daemon[], leaseTtlMs = 2_000) {
  const lines: string[] = [];
  const loop = new DaemonLoop(instance, daemons, { leaseTtlMs, leaseIntervalMs: 50, log: (m) => lines.push(m) });
  const running = loop.run();
  cleanups.push(() => loop.stop());
  return { loop, lines, running };
}

/** A sub-daemon that counts its iterations and throws on the ones listed. */
function countingDaemon(type: string, failOn: readonly number[] = []) {
  const daemon = {
    type,
    intervalMs: 20,
    iterations: 0,
    async runIteration(_ctx: DaemonIterationContext) {
      daemon.iterations++;
      if (failOn.includes(daemon.iterations))
        throw new Error(`boom ${daemon.iterations}`, { cause: new Error('the root cause') });
    },
  };
  return daemon;
}

describe('DaemonLoop', () => {
  it('records iteration errors in the heartbeat, newest first, and goes on iterating', async () => {
    const instance = await openInstance();
    const flaky = countingDaemon('FLAKY', [2, 3]);
    const steady = countingDaemon('STEADY');
    const { loop, lines } = startLoop(instance, [flaky, steady]);
    await waitFor('five FLAKY iterations', () => (flaky.iterations >= 5 ? true : undefined));

    const heartbeats = await instance.storage.daemon.getHeartbeats();
    const flakyBeat = heartbeats.find((h) => h.daemonType === 'FLAKY');
    expect(flakyBeat?.daemonId).toBe(loop.daemonId);
    expect(flakyBeat?.errors.map((e) => e.message)).toEqual(['boom 3', 'boom 2']);
    expect(flakyBeat?.errors[0]?.cause?.message).toBe('the root cause');
    expect(heartbeats.find((h) => h.daemonType === 'STEADY')?.errors).toEqual([]);
    expect(lines).toContain('[FLAKY] iteration failed: Error: boom 2 ← caused by Error: the root cause');
  });

  it('shows each daemon type in `runyard instance info`: heartbeat age, daemon id, latest error', async () => {
    const instance = await openInstance();
    const flaky = countingDaemon('FLAKY', [1]);
    const { loop } = startLoop(instance, [flaky, countingDaemon('STEADY')]);
    await waitFor('three FLAKY iterations', () => (flaky.iterations >= 3 ? true : undefined));

    const json = await runCli(['instance', 'info', '--json'], { home: instance.home });
    expect(json.code).toBe(0);
    const info = JSON.parse(json.stdout);
    expect(info.daemonLease).toMatchObject({ holder: loop.daemonId });
    expect(info.daemons).toEqual([
      expect.objectContaining({
        type: 'FLAKY',
        daemonId: loop.daemonId,
        healthy: true,
        latestError: 'Error: boom 1 ← caused by Error: the root cause',
        errorCount: 1,
      }),
      expect.objectContaining({
        type: 'STEADY',
        daemonId: loop.daemonId,
        healthy: true,
        latestError: null,
        errorCount: 0,
      }),
    ]);
    for (const d of info.daemons) expect(d.lastHeartbeatAgeMs).toBeGreaterThanOrEqual(0);

    const text = await runCli(['instance', 'info'], { home: instance.home });
    expect(text.stdout).toContain(`daemon           lease held by ${loop.daemonId}`);
    expect(text.stdout).toMatch(new RegExp(`FLAKY +healthy, last heartbeat .+ ago from ${loop.daemonId}`));
    expect(text.stdout).toContain('latest error: Error: boom 1 ← caused by Error: the root cause');
  });

  it('instance info without a daemon says so and lists no daemons', async () => {
    const instance = await openInstance();
    const info = JSON.parse((await runCli(['instance', 'info', '--json'], { home: instance.home })).stdout);
    expect(info.daemons).toEqual([]);
    expect(info.daemonLease).toBeNull();
    expect((await runCli(['instance', 'info'], { home: instance.home })).stdout).toContain(
      'daemon           not running (no daemon holds the lease)',
    );
  });

  it('lets one loop per instance act; the standby takes over when the leader stops', async () => {
    const home = tempHome();
    const first = await openInstance(home);
    const second = await Instance.open({ home });
    cleanups.push(() => second.dispose());
    const leaderWork = countingDaemon('WORK');
    const standbyWork = countingDaemon('WORK');
    const leader = startLoop(first, [leaderWork]);
    await waitFor('the first loop to lead', () => (leader.loop.isLeader ? true : undefined));
    const standby = startLoop(second, [standbyWork]);
    await waitFor('the second loop to stand by', () =>
      standby.lines.some((l) => l.includes(`another daemon (${leader.loop.daemonId}) holds the lease; standing by`))
        ? true
        : undefined,
    );
    const seen = leaderWork.iterations;
    await waitFor('the leader to go on', () => (leaderWork.iterations >= seen + 5 ? true : undefined));
    expect(standbyWork.iterations).toBe(0);
    expect(standby.loop.isLeader).toBe(false);

    await leader.loop.stop();
    expect(leader.lines).toContain('released the daemon lease');
    await waitFor('the standby to take over', () => (standbyWork.iterations > 0 ? true : undefined));
    expect(standby.lines).toContain(`took the daemon lease (${standby.loop.daemonId})`);
    expect((await first.storage.daemon.getLease(DAEMON_LEASE))?.holder).toBe(standby.loop.daemonId);
  });

  it('stop() lets the current iteration finish, and the iteration sees the abort', async () => {
    const instance = await openInstance();
    let sawAbort = false;
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const slow: Daemon = {
      type: 'SLOW',
      intervalMs: 20,
      runIteration: (ctx) =>
        new Promise<void>((resolve) => {
          entered();
          ctx.signal.addEventListener('abort', () => {
            sawAbort = true;
            resolve();
          });
        }),
    };
    const { loop, running, lines } = startLoop(instance, [slow]);
    await inside;
    await loop.stop();
    await running;
    expect(sawAbort).toBe(true);
    expect(lines.at(-1)).toBe('released the daemon lease');
    expect(await instance.storage.daemon.getLease(DAEMON_LEASE)).toBeUndefined();
    // The iteration that was stopped still wrote its heartbeat.
    expect((await instance.storage.daemon.getHeartbeats()).map((h) => h.daemonType)).toEqual(['SLOW']);
  });
});
