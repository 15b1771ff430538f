import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { IN_PROGRESS_STATUSES, isTerminalStatus, type RunRecord } from '../src/index.js';
import { isOurGroupAlive } from '../src/launcher/process/process-identity.js';
import { type DaemonProcess, spawnDaemon } from './fixtures/daemon-process.js';
import { COUNTED, executions, processesOf, relaunchEvents, runStartCount } from './fixtures/launch-recovery.js';
import { YardHarness } from './fixtures/yard-harness.js';

/**
 * Chaos: RUNS queued runs of a one-op job (QueuedRunCoordinator, process launcher, SQLite) drained
 * by real `runyard daemon` processes, KILLS of which are SIGKILLed one after another, most of them
 * the moment a RUN_STARTING appears in the event log (the daemon is then between marking a run
 * STARTING and recording its worker), the rest at a random time. A successor is started at once
 * after each kill. Every run must execute exactly once and succeed, and no worker may be left.
 * Sized to take one to three minutes on a two-core machine.
 */

const RUNS = 100;
const KILLS = 30;
const WAIT_MS = 240_000;

const harness = new YardHarness(
  [
    'runCoordinator:',
    '  class: QueuedRunCoordinator',
    '  config: { maxConcurrentRuns: 10, dequeueIntervalMs: 100 }',
    'runMonitoring:',
    '  pollIntervalSeconds: 0.5',
    // Longer than any relaunch takes: a run failed at the start timeout would be a run the storm lost.
    '  startTimeoutSeconds: 60',
    'runRetries: { enabled: false }',
  ].join('\n'),
);

afterAll(() => harness.cleanup());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, check: () => Promise<T | undefined | false>, describe: () => Promise<string>) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${await describe()}`);
    await sleep(50);
  }
}

it(
  `${RUNS} queued runs through ${KILLS} daemon kills: each executed exactly once, all SUCCESS, no worker left`,
  {
    timeout: WAIT_MS + 60_000,
  },
  async () => {
    const instance = await harness.instance();
    const file = path.join(harness.home, 'counted.log');
    const runConfig = { ops: { count: { config: { file } } } };
    for (let i = 0; i < RUNS; i++)
      await instance.submitRun({ jobName: 'counted', runConfig, origin: { codeLocation: COUNTED, source: 'api' } });
    const describe = async () =>
      [
        ...(await harness.runs())
          .filter((r) => r.status !== 'SUCCESS')
          .map((r) => `${r.runId} ${r.status} ${JSON.stringify(r.tags)} ${r.statusReason ?? ''}`),
        ...harness.daemons.slice(-2).map((d) => `daemon ${d.pid}:\n${d.output}`),
      ].join('\n');

    const start = (): DaemonProcess => {
      const daemon = spawnDaemon(harness.home, ['--lease-ttl', '1']);
      harness.daemons.push(daemon);
      return daemon;
    };
    let aimed = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const daemon = start();
      await daemon.waitForOutput(/took the daemon lease/);
      const cursor = await instance.storage.events.getLatestEventId();
      if (kill % 3 !== 2) {
        // Aimed: poll the log and kill as soon as this daemon writes a RUN_STARTING (or after a
        // second and a half, when nothing is left to launch).
        const deadline = Date.now() + 1_500;
        while (Date.now() < deadline) {
          const starting = await instance.storage.events.getEventsAfter(cursor, { types: ['RUN_STARTING'] });
          if (starting.length > 0) {
            aimed++;
            break;
          }
          await sleep(2);
        }
      } else {
        await sleep(200 + Math.random() * 1_300);
      }
      daemon.kill('SIGKILL');
      await daemon.exited;
    }
    const last = start();

    const runs = await until(
      'every run to finish',
      async () => {
        const all = await harness.runs();
        return all.every((r) => isTerminalStatus(r.status)) && all;
      },
      describe,
    );
    last.kill('SIGTERM');
    await last.exited;

    const relaunched: string[] = [];
    for (const run of runs) if ((await relaunchEvents(instance, run.runId)).length > 0) relaunched.push(run.runId);
    console.log(
      `${KILLS} daemon kills (${aimed} right after a RUN_STARTING): ${relaunched.length} run(s) launched again after an interrupted launch`,
    );

    expect(runs).toHaveLength(RUNS);
    expect(runs.filter((r) => r.status !== 'SUCCESS').map((r) => `${r.runId} ${r.status}: ${r.statusReason}`)).toEqual(
      [],
    );
    const counts = executions(file);
    expect(counts.size).toBe(RUNS);
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
    const starts = await Promise.all(runs.map((r) => runStartCount(instance, r.runId)));
    expect(starts.filter((n) => n !== 1)).toEqual([]);
    expect(await instance.storage.runs.countRuns({ statuses: IN_PROGRESS_STATUSES })).toBe(0);
    // The storm hit launches in flight: otherwise this test would not test recovery.
    expect(relaunched.length).toBeGreaterThan(0);

    // No worker left: neither a recorded one nor one that an interrupted launch started unrecorded.
    await until(
      'every worker to exit',
      async () =>
        runs.every(
          (r: RunRecord) => typeof r.worker?.pgid !== 'number' || !isOurGroupAlive(r.worker.pgid, undefined),
        ) && processesOf(harness.home).length === 0,
      async () => `still running: ${processesOf(harness.home).join(', ')}`,
    );
  },
);
