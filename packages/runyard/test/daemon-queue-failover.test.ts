import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './cli-helpers.js';
import { QueueHarness } from './fixtures/queue-harness.js';

/**
 * The run queue when daemons crash, compete or stop, and when a queued run is cancelled: every run
 * is launched exactly once (one RUN_STARTING), none is left queued, a cancelled one never starts.
 */

let harness: QueueHarness | undefined;
const open = (options: ConstructorParameters<typeof QueueHarness>[0]) => {
  harness = new QueueHarness(options);
  return harness;
};

afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

describe('queue daemons that crash, compete and stop', () => {
  it('with two daemons only one acts; after kill -9 the other takes over and no run is launched twice', async () => {
    const h = open({ queue: { maxConcurrentRuns: 2 } });
    const first = h.startDaemon(['--lease-ttl', '2']);
    await first.waitForOutput(/took the daemon lease/);
    const second = h.startDaemon(['--lease-ttl', '2']);
    await second.waitForOutput(/another daemon \(\S+\) holds the lease; standing by/);
    const firstId = await first.daemonId();
    const secondId = await second.daemonId();

    const runs = await h.submitMany(6);
    await h.waitForRuns('2 runs STARTED', (all) => all.filter((r) => r.status === 'STARTED').length === 2);
    await h.waitForIterations(2);
    expect((await h.heartbeat())?.daemonId).toBe(firstId);
    expect(second.output).not.toMatch(/\[QUEUE\]/);
    expect(second.output).not.toMatch(/took the daemon lease/);

    first.kill('SIGKILL');
    await first.exited;
    await second.waitForOutput(/took the daemon lease/);
    await h.waitForRuns('a heartbeat from the second daemon', async () => (await h.heartbeat())?.daemonId === secondId);

    h.release();
    await h.waitForRuns('every run to succeed', (all) => all.length === 6 && all.every((r) => r.status === 'SUCCESS'));
    for (const run of runs) expect(await h.startingEvents(run.runId)).toBe(1);
    expect(h.startOrder()).toHaveLength(6);
    expect(second.output).toMatch(/\[QUEUE\] launched/);
  });

  it('a leader paused past its lease does not act when it wakes up; it stands by', async () => {
    const h = open({ queue: { maxConcurrentRuns: -1 } });
    const paused = h.startDaemon(['--lease-ttl', '1']);
    await paused.waitForOutput(/took the daemon lease/);
    const other = h.startDaemon(['--lease-ttl', '1']);
    await other.waitForOutput(/standing by/);

    paused.kill('SIGSTOP');
    await other.waitForOutput(/took the daemon lease/);
    const runs = await h.submitMany(3);
    await h.waitForStatus(
      runs.map((r) => r.runId),
      'STARTED',
    );
    paused.kill('SIGCONT');
    await paused.waitForOutput(/lost the daemon lease to \S+; standing by/);
    const more = await h.submitMany(3);
    await h.waitForStatus(
      more.map((r) => r.runId),
      'STARTED',
    );
    expect(paused.output).not.toMatch(/\[QUEUE\] launched/);
    for (const run of [...runs, ...more]) expect(await h.startingEvents(run.runId)).toBe(1);
  });

  it('a daemon SIGKILLed while runs are queued: restarted, it launches every run exactly once', async () => {
    const h = open({ queue: { maxConcurrentRuns: 2 } });
    const runs = await h.submitMany(5);
    const crashed = h.startDaemon(['--lease-ttl', '2']);
    await h.waitForRuns('2 runs STARTED', (all) => all.filter((r) => r.status === 'STARTED').length === 2);
    crashed.kill('SIGKILL');
    await crashed.exited;
    // Dead daemon: its lease is still in storage until it expires; nothing is lost meanwhile.
    expect(await h.countByStatus()).toEqual({ STARTED: 2, QUEUED: 3 });

    const restarted = h.startDaemon(['--lease-ttl', '2']);
    await restarted.waitForOutput(/took the daemon lease/);
    h.release();
    await h.waitForRuns('every run to succeed', (all) => all.every((r) => r.status === 'SUCCESS'));
    for (const run of runs) expect(await h.startingEvents(run.runId)).toBe(1);
    expect((await h.runs()).filter((r) => r.status === 'QUEUED')).toEqual([]);
  });

  it.each([
    'SIGTERM',
    'SIGINT',
  ] as const)('stops cleanly on %s: lease released, exit 0; the next daemon takes over at once', async (signal) => {
    const h = open({ queue: {} });
    const daemon = h.startDaemon(['--lease-ttl', '60']);
    await daemon.waitForOutput(/took the daemon lease/);
    await h.waitForIterations(1);
    const instance = await h.instance();
    expect((await instance.storage.daemon.getLease('runyard-daemon'))?.holder).toBe(await daemon.daemonId());

    daemon.kill(signal);
    expect(await daemon.exited).toEqual({ code: 0, signal: null });
    expect(daemon.output).toContain(`${signal}: stopping`);
    expect(daemon.output).toContain('released the daemon lease');
    expect(await instance.storage.daemon.getLease('runyard-daemon')).toBeUndefined();

    // With a 60 s lease, only a released lease lets the next daemon act without waiting for it.
    const next = h.startDaemon(['--lease-ttl', '60']);
    await next.waitForOutput(/took the daemon lease/);
    const run = await h.submit();
    await h.waitForStatus([run.runId], 'STARTED');
  });

  it('refuses a --lease-ttl that is not a positive number', async () => {
    const h = open({ queue: {} });
    const result = await runCli(['daemon', '--lease-ttl', 'soon'], { home: h.home });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--lease-ttl must be a number of seconds > 0, got "soon"');
  });
});

describe('queued runs as a user sees them', () => {
  it('run show and run list --json give the waiting reason; a cancelled queued run never starts', async () => {
    const h = open({ queue: { maxConcurrentRuns: 1 } });
    const [running, cancelled, next] = await h.submitMany(3);
    if (!running || !cancelled || !next) throw new Error('three runs were submitted');

    const before = await runCli(['run', 'show', cancelled.runId], { home: h.home });
    expect(before.stdout).toMatch(/status +QUEUED \(waiting for the run queue\)/);

    h.startDaemon();
    await h.waitForStatus([running.runId], 'STARTED');
    await h.waitForIterations(2);
    const shown = await runCli(['run', 'show', next.runId], { home: h.home });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/status +QUEUED \(waiting: 1 of 1 runs in progress \(maxConcurrentRuns\)\)/);
    const listed = JSON.parse((await runCli(['run', 'list', '--status', 'QUEUED', '--json'], { home: h.home })).stdout);
    expect(listed).toHaveLength(2);
    for (const run of listed) expect(run.statusReason).toBe('waiting: 1 of 1 runs in progress (maxConcurrentRuns)');

    const terminated = await runCli(['run', 'terminate', cancelled.runId], { home: h.home });
    expect(terminated.code).toBe(0);
    expect(terminated.stdout).toContain(`run ${cancelled.runId} cancelled before it was launched`);

    h.release();
    await h.waitForStatus([running.runId, next.runId], 'SUCCESS');
    await h.waitForIterations(2);
    const after = await h.run(cancelled.runId);
    expect(after).toMatchObject({ status: 'CANCELED', statusReason: 'cancelled before it was launched' });
    expect(after.worker).toBeUndefined();
    expect(await h.startingEvents(cancelled.runId)).toBe(0);
    expect(h.startOrder()).toEqual([running.runId, next.runId]);
  });
});
