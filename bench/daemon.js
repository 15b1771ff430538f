// Issue 4 figures: draining a queue through the real `runyard daemon`, and how fast run
// monitoring fails a run whose worker was killed with SIGKILL. Issue 10: how soon a run whose
// daemon was killed mid-launch gets its worker from the successor daemon.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Instance, loadCodeLocation } from 'runyard';
import { fmtMs, median } from './lib/measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'packages', 'runyard', 'bin', 'runyard.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, check, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** utime + stime of a process, in ms (Linux clock ticks are 100 per second). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function withDaemon(yaml, fn) {
  const home = mkdtempSync(path.join(tmpdir(), 'runyard-bench-daemon-'));
  if (yaml) writeFileSync(path.join(home, 'runyard.yaml'), yaml);
  const instance = await Instance.open({ home });
  let daemon;
  try {
    return await fn(instance, () => {
      daemon = spawn(process.execPath, [cli, '--home', home, 'daemon'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      daemon.stdout.on('data', (c) => {
        out += c;
      });
      return waitFor('the daemon lease', () => out.includes('took the daemon lease') && daemon);
    });
  } finally {
    if (daemon && daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.once('exit', r));
    }
    await instance.dispose();
    rmSync(home, { recursive: true, force: true });
  }
}

/** N queued runs of a one-op job, maxConcurrentRuns 4, drained by a real daemon. */
async function queueDrain(runs) {
  const yaml = [
    'runCoordinator:',
    '  class: QueuedRunCoordinator',
    '  config: { maxConcurrentRuns: 4, dequeueIntervalMs: 100 }',
    'runMonitoring: { enabled: false }',
    'runRetries: { enabled: false }',
  ].join('\n');
  return withDaemon(`${yaml}\n`, async (instance, startDaemon) => {
    const codeLocation = path.join(here, 'fixtures', 'one-op.ts');
    for (let i = 0; i < runs; i++)
      await instance.submitRun({ jobName: 'one_op', origin: { codeLocation, source: 'api' } });
    const daemon = await startDaemon();
    const cpuBefore = cpuMs(daemon.pid);
    const t = performance.now();
    await waitFor(
      'the queue to drain',
      async () => (await instance.storage.runs.countRuns({ statuses: ['SUCCESS', 'FAILURE', 'CANCELED'] })) === runs,
    );
    const seconds = (performance.now() - t) / 1000;
    const failed = await instance.storage.runs.countRuns({ statuses: ['FAILURE', 'CANCELED'] });
    if (failed) throw new Error(`${failed} of the queued runs did not succeed`);
    return { runsPerSecond: runs / seconds, cpuMsPerRun: (cpuMs(daemon.pid) - cpuBefore) / runs };
  });
}

/** kill -9 of a worker → its RUN_FAILURE event, default monitoring settings. */
async function sigkillToFailure(count) {
  return withDaemon(undefined, async (instance, startDaemon) => {
    await startDaemon();
    await waitFor('run monitoring to poll', async () =>
      (await instance.storage.daemon.getHeartbeats()).some((b) => b.daemonType === 'MONITORING'),
    );
    const file = path.join(here, 'fixtures', 'long-op.ts');
    const job = (await loadCodeLocation(file)).getJob('runs_on');
    const samples = [];
    for (let i = 0; i < count; i++) {
      const run = await instance.submitJobRun({ job, codeLocation: file, source: 'api' });
      const start = await waitFor(
        'RUN_START',
        async () => (await instance.storage.events.getEvents(run.runId, { types: ['RUN_START'] }))[0],
      );
      // Kill at a random point of the 2 s poll, as a crash would.
      await sleep(Math.random() * 2_000);
      const killedAt = Date.now();
      process.kill(start.data.pid, 'SIGKILL');
      const failure = await waitFor(
        'RUN_FAILURE',
        async () => (await instance.storage.events.getEvents(run.runId, { types: ['RUN_FAILURE'] }))[0],
      );
      samples.push(failure.timestamp - killedAt);
    }
    return median(samples);
  });
}

/**
 * SIGKILL of a daemon mid-launch → the run's RUN_START, with a successor daemon started at once.
 * The first daemon runs the test suite's interruptible launcher with RUNYARD_TEST_LAUNCH set, so
 * every kill lands between RUN_STARTING and a worker being recorded; the successor launches
 * normally. Default settings but `leaseTtlSeconds` (undefined: the daemon's default).
 */
async function daemonKillMidLaunch(count, leaseTtlSeconds) {
  const launcher = path.join(here, '..', 'packages', 'runyard', 'test', 'fixtures', 'interruptible-launcher.js');
  const yaml = [
    'runCoordinator: { class: QueuedRunCoordinator }',
    `runLauncher: { module: ${JSON.stringify(launcher)}, class: InterruptibleLauncher }`,
  ].join('\n');
  const home = mkdtempSync(path.join(tmpdir(), 'runyard-bench-relaunch-'));
  writeFileSync(path.join(home, 'runyard.yaml'), `${yaml}\n`);
  const instance = await Instance.open({ home });
  const started = [];
  const startDaemon = (env = {}) => {
    const args = [cli, '--home', home, 'daemon', ...(leaseTtlSeconds ? ['--lease-ttl', String(leaseTtlSeconds)] : [])];
    const child = spawn(process.execPath, args, { stdio: 'ignore', env: { ...process.env, ...env } });
    started.push(child);
    return child;
  };
  const stop = async (child, signal) => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    }
  };
  try {
    const codeLocation = path.join(here, 'fixtures', 'one-op.ts');
    const samples = [];
    let monitoringMs;
    for (let i = 0; i < count; i++) {
      const first = startDaemon({ RUNYARD_TEST_LAUNCH: 'hang-before-spawn' });
      const run = await instance.submitRun({ jobName: 'one_op', origin: { codeLocation, source: 'api' } });
      await waitFor('RUN_STARTING', async () => (await instance.storage.runs.getRun(run.runId))?.status === 'STARTING');
      const killedAt = Date.now();
      await stop(first, 'SIGKILL');
      const second = startDaemon();
      const start = await waitFor(
        'RUN_START',
        async () => (await instance.storage.events.getEvents(run.runId, { types: ['RUN_START'] }))[0],
      );
      samples.push(start.timestamp - killedAt);
      monitoringMs = instance.config.runMonitoring.pollIntervalSeconds * 1000;
      // SIGTERM releases the lease, so the next round's first daemon takes it at once.
      await stop(second, 'SIGTERM');
    }
    // What `runyard daemon` uses without --lease-ttl (cli/commands/daemon.ts).
    const leaseTtl = leaseTtlSeconds ?? Math.max(3, instance.config.daemon.heartbeatIntervalSeconds * 2);
    return { median: median(samples), monitoringMs, leaseTtl };
  } finally {
    for (const child of started) await stop(child, 'SIGKILL');
    await instance.dispose();
    rmSync(home, { recursive: true, force: true });
  }
}

export async function daemonBenchmarks() {
  const runs = Number(process.env.RUNYARD_BENCH_QUEUE_RUNS ?? 1000);
  const drain = await queueDrain(runs);
  const detect = await sigkillToFailure(5);
  const relaunchDefault = await daemonKillMidLaunch(3);
  const relaunchShortLease = await daemonKillMidLaunch(3, 1);
  return [
    [
      `${runs} queued runs drained, maxConcurrentRuns 4`,
      `${drain.runsPerSecond.toFixed(1)} runs/s`,
      `daemon CPU ${drain.cpuMsPerRun.toFixed(1)} ms per dequeued run (dequeueIntervalMs 100)`,
    ],
    [
      'SIGKILL of a worker → RUN_FAILURE (median of 5)',
      fmtMs(detect),
      'default settings; Dagster polls every 120 s; target ≤ 10 s',
    ],
    [
      "SIGKILL of a daemon mid-launch → the run's RUN_START, successor started at once (median of 3)",
      `${(relaunchDefault.median / 1000).toFixed(1)} s`,
      `default settings: daemon lease TTL ${relaunchDefault.leaseTtl} s, monitoring poll ${relaunchDefault.monitoringMs / 1000} s; before: FAILURE after startTimeoutSeconds 180`,
    ],
    [
      'the same with `runyard daemon --lease-ttl 1` (median of 3)',
      `${(relaunchShortLease.median / 1000).toFixed(1)} s`,
      `daemon lease TTL ${relaunchShortLease.leaseTtl} s, monitoring poll ${relaunchShortLease.monitoringMs / 1000} s`,
    ],
  ];
}
