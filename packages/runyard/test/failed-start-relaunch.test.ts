import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnDaemon } from './fixtures/daemon-process.js';
import { COUNTED, executions, relaunchEvents, runStartCount, spawnCli } from './fixtures/launch-recovery.js';
import { fixture, YardHarness } from './fixtures/yard-harness.js';

/**
 * A worker that failed to start for a passing reason (capacity) while the process that launched
 * it is gone (`runyard job launch` without --wait has exited) is replaced by run monitoring, not
 * left to fail at the start timeout (120 s here, longer than any wait below). While the launching
 * process lives, monitoring leaves the worker to it (a launcher's start watch), so it is never
 * replaced twice. The launcher records, on a run's first launch, a worker that never starts.
 */

let harness: YardHarness | undefined;

afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

function open(): YardHarness {
  harness = new YardHarness(
    [
      'runLauncher:',
      `  module: ${fixture('failing-start-launcher.js')}`,
      '  class: FailingStartLauncher',
      'runMonitoring:',
      '  pollIntervalSeconds: 0.5',
      '  startTimeoutSeconds: 120',
    ].join('\n'),
  );
  return harness;
}

function configFile(h: YardHarness, countedLog: string): string {
  const file = path.join(h.home, 'counted.yaml');
  writeFileSync(file, JSON.stringify({ ops: { count: { config: { file: countedLog } } } }));
  return file;
}

describe('relaunch of a worker that failed to start', { timeout: 120_000 }, () => {
  it('a `job launch` that exited: monitoring takes the failed worker off the run, launches again, and the run succeeds', async () => {
    const h = open();
    const instance = await h.instance();
    const file = path.join(h.home, 'counted.log');
    const daemon = spawnDaemon(h.home, ['--lease-ttl', '1']);
    h.daemons.push(daemon);
    await daemon.waitForOutput(/took the daemon lease/);
    const launched = await h.cli(['job', 'launch', '-f', COUNTED, '-j', 'counted', '-c', configFile(h, file)]);
    expect(launched.code).toBe(0);
    const [run] = await h.runs({});
    const runId = run?.runId as string;

    await h.waitFor('SUCCESS', async () => (await instance.storage.runs.getRun(runId))?.status === 'SUCCESS');
    const [relaunch, ...more] = await relaunchEvents(instance, runId);
    expect(more).toEqual([]);
    expect(relaunch?.message).toMatch(
      /worker failed to start for a passing reason \(there is no room for the worker now \(capacity\): task task-that-never-started-\S+ stopped \(TaskFailedToStart\): Capacity is unavailable at this time\) and its launcher, which would have replaced it, is gone \(process \d+ on \S+ is gone\); launching it again \(attempt 2 of 5\)/,
    );
    expect(relaunch?.data).toMatchObject({
      launchAttempt: 2,
      failureClass: 'capacity',
      retryable: true,
      replacedWorker: { externalId: `task-that-never-started-${runId}` },
    });
    const done = await instance.storage.runs.getRun(runId);
    // The run records the new worker, not the one that never started.
    expect(String(done?.worker?.externalId)).not.toContain('never-started');
    expect(done?.tags['runyard/launch_attempt']).toBe('2');
    expect(executions(file).get(runId)).toBe(1);
    expect(await runStartCount(instance, runId)).toBe(1);
    const events = await instance.storage.events.getEvents(runId, { types: ['ENGINE_EVENT'] });
    expect(events.map((e) => e.message)).toContain(
      `run monitoring stopped the worker that failed to start: task-that-never-started-${runId} had already stopped`,
    );
  });

  it('while the launching process lives, monitoring leaves its failed worker to it; once it is gone, it relaunches', async () => {
    const h = open();
    const instance = await h.instance();
    const file = path.join(h.home, 'counted.log');
    const daemon = spawnDaemon(h.home, ['--lease-ttl', '1']);
    h.daemons.push(daemon);
    await daemon.waitForOutput(/took the daemon lease/);
    const cli = spawnCli(h.home, ['job', 'launch', '-f', COUNTED, '-j', 'counted', '-c', configFile(h, file)], {
      RUNYARD_TEST_LAUNCH: 'hang-after-record',
    });
    const exited = new Promise((resolve) => cli.once('exit', resolve));
    try {
      const [run] = await h.waitFor('the failed worker to be recorded', async () => {
        const runs = await h.runs({ statuses: ['STARTING'] });
        return runs.some((r) => r.worker) && runs;
      });
      const runId = run?.runId as string;
      // Monitoring polls several times while the CLI is alive, and neither relaunches nor fails the run.
      await h.waitForIterations('MONITORING', 4);
      const waiting = await instance.storage.runs.getRun(runId);
      expect(waiting?.status).toBe('STARTING');
      expect(String(waiting?.worker?.externalId)).toContain('never-started');
      expect(await relaunchEvents(instance, runId)).toEqual([]);

      cli.kill('SIGKILL');
      await exited;
      await h.waitFor('SUCCESS', async () => (await instance.storage.runs.getRun(runId))?.status === 'SUCCESS');
      expect(await relaunchEvents(instance, runId)).toHaveLength(1);
      expect(executions(file).get(runId)).toBe(1);
    } finally {
      cli.kill('SIGKILL');
    }
  });
});
