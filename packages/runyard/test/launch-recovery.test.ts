import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scheduleTickRunId } from '../src/index.js';
import { isOurGroupAlive } from '../src/launcher/process/process-identity.js';
import { spawnDaemon } from './fixtures/daemon-process.js';
import {
  COUNTED,
  executions,
  INTERRUPTIBLE_LAUNCHER,
  relaunchEvents,
  runStartCount,
  spawnCli,
} from './fixtures/launch-recovery.js';
import { YardHarness } from './fixtures/yard-harness.js';

/**
 * A launch interrupted between RUN_STARTING and the worker being recorded (its daemon or CLI
 * killed there) is launched again by the daemon holding the lease, at its next monitoring poll,
 * not failed at the start timeout (120 s here, longer than any wait below). The interruptible
 * launcher stops a launch at a chosen point so that each test kills its launcher exactly there.
 */

let harness: YardHarness | undefined;

afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

function open(extraYaml = ''): YardHarness {
  harness = new YardHarness(
    [
      'runLauncher:',
      `  module: ${INTERRUPTIBLE_LAUNCHER}`,
      '  class: InterruptibleLauncher',
      'runMonitoring:',
      '  pollIntervalSeconds: 0.5',
      '  startTimeoutSeconds: 120',
      extraYaml,
    ].join('\n'),
  );
  return harness;
}

const countedConfig = (h: YardHarness) => ({ ops: { count: { config: { file: path.join(h.home, 'counted.log') } } } });

describe('launch recovery', { timeout: 120_000 }, () => {
  it('a daemon killed after starting a worker it never recorded: the run is launched again, and the first worker refuses', async () => {
    const h = open('runCoordinator:\n  class: QueuedRunCoordinator\n  config: { dequeueIntervalMs: 100 }');
    const instance = await h.instance();
    const run = await instance.submitRun({
      jobName: 'counted',
      runConfig: countedConfig(h),
      origin: { codeLocation: COUNTED, source: 'api' },
    });
    const gate = path.join(h.home, 'first-worker-may-go');
    const pidFile = path.join(h.home, 'first-worker.pid');
    const first = spawnDaemon(h.home, ['--lease-ttl', '1'], {
      RUNYARD_TEST_LAUNCH: 'hang-after-spawn',
      RUNYARD_TEST_WORKER_GATE: gate,
      RUNYARD_TEST_PID_FILE: pidFile,
    });
    h.daemons.push(first);
    const firstWorker = await h.waitFor(
      'the first worker',
      () => existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8')),
    );
    first.kill('SIGKILL');
    await first.exited;
    const left = await instance.storage.runs.getRun(run.runId);
    expect(left?.status).toBe('STARTING');
    expect(left?.worker).toBeUndefined();

    const second = spawnDaemon(h.home, ['--lease-ttl', '1']);
    h.daemons.push(second);
    const [relaunch] = await h.waitFor(
      'the relaunch',
      async () => (await relaunchEvents(instance, run.runId)).length > 0 && relaunchEvents(instance, run.runId),
    );
    // The worker of the interrupted launch wakes now, while the new one starts: only one may run.
    writeFileSync(gate, '');
    expect(relaunch?.message).toMatch(
      /launch of the run was interrupted \(daemon \S+ is gone\) and no worker was recorded; launching it again \(attempt 2 of 5\)/,
    );
    expect(relaunch?.data).toMatchObject({ launchAttempt: 2, interrupted: { pid: first.pid } });

    await h.waitFor('SUCCESS', async () => (await instance.storage.runs.getRun(run.runId))?.status === 'SUCCESS');
    await h.waitFor('the first worker to refuse', async () => {
      const events = await instance.storage.events.getEvents(run.runId, { types: ['ENGINE_EVENT'] });
      return events.some((e) => e.message.includes(`refused to run`));
    });
    await h.waitFor('the first worker to exit', () => !isOurGroupAlive(firstWorker, undefined));
    expect(executions(path.join(h.home, 'counted.log')).get(run.runId)).toBe(1);
    expect(await runStartCount(instance, run.runId)).toBe(1);
    expect((await instance.storage.runs.getRun(run.runId))?.tags['runyard/launch_attempt']).toBe('2');
  });

  it('a `job launch` killed mid-launch: left alone while it lives, launched again promptly once it is gone', async () => {
    const h = open();
    const instance = await h.instance();
    const configFile = path.join(h.home, 'counted.yaml');
    writeFileSync(configFile, JSON.stringify(countedConfig(h)));
    const daemon = spawnDaemon(h.home, ['--lease-ttl', '1']);
    h.daemons.push(daemon);
    await daemon.waitForOutput(/took the daemon lease/);
    const cli = spawnCli(h.home, ['job', 'launch', '-f', COUNTED, '-j', 'counted', '-c', configFile], {
      RUNYARD_TEST_LAUNCH: 'hang-before-spawn',
    });
    const exited = new Promise((resolve) => cli.once('exit', resolve));
    try {
      const [run] = await h.waitFor('the run to be STARTING', async () => {
        const runs = await h.runs({ statuses: ['STARTING'] });
        return runs.length > 0 && runs;
      });
      const runId = run?.runId as string;
      // Monitoring polls several times while the CLI is alive, and leaves the run alone.
      await h.waitForIterations('MONITORING', 4);
      expect((await instance.storage.runs.getRun(runId))?.status).toBe('STARTING');
      expect(await relaunchEvents(instance, runId)).toEqual([]);

      cli.kill('SIGKILL');
      await exited;
      await h.waitFor('SUCCESS', async () => (await instance.storage.runs.getRun(runId))?.status === 'SUCCESS');
      const [relaunch, ...more] = await relaunchEvents(instance, runId);
      expect(more).toEqual([]);
      expect(relaunch?.message).toContain(`process ${cli.pid} on `);
      expect(relaunch?.message).toContain('is gone');
      expect(executions(path.join(h.home, 'counted.log')).get(runId)).toBe(1);
      expect(await runStartCount(instance, runId)).toBe(1);
    } finally {
      cli.kill('SIGKILL');
    }
  });

  it('a schedule tick interrupted between creating its run and launching it gets that run launched exactly once', async () => {
    const h = open();
    const instance = await h.instance();
    const file = path.join(h.home, 'counted.log');
    expect((await h.cli(['schedule', 'start', 'counted_every_second', '-f', COUNTED])).code).toBe(0);
    const first = spawnDaemon(h.home, ['--lease-ttl', '1'], {
      RUNYARD_TEST_LAUNCH: 'hang-before-spawn',
      COUNTED_FILE: file,
    });
    h.daemons.push(first);
    const [stuck] = await h.waitFor('a tick run to be STARTING', async () => {
      const runs = await h.runs({ statuses: ['STARTING'] });
      return runs.length > 0 && runs;
    });
    first.kill('SIGKILL');
    await first.exited;
    const runId = stuck?.runId as string;
    const tickAt = Date.parse(stuck?.tags['runyard/tick_at'] as string);
    expect(runId).toBe(scheduleTickRunId('counted_every_second', tickAt));

    const second = spawnDaemon(h.home, ['--lease-ttl', '1'], { COUNTED_FILE: file });
    h.daemons.push(second);
    await h.waitFor(
      'the interrupted run to succeed',
      async () => (await instance.storage.runs.getRun(runId))?.status === 'SUCCESS',
    );
    await h.waitFor('its tick to be SUCCESS', async () => {
      const ticks = await instance.storage.schedules.listTicks('counted_every_second');
      return ticks.find((t) => t.tickAt === tickAt)?.status === 'SUCCESS';
    });
    expect((await h.cli(['schedule', 'stop', 'counted_every_second'])).code).toBe(0);
    await h.waitForIterations('SCHEDULER');
    const runs = await h.settle();
    expect(await relaunchEvents(instance, runId)).toHaveLength(1);
    const counts = executions(file);
    for (const run of runs) {
      expect(run.status).toBe('SUCCESS');
      expect(counts.get(run.runId)).toBe(1);
      expect(await runStartCount(instance, run.runId)).toBe(1);
    }
    expect(counts.size).toBe(runs.length);
  });
});
