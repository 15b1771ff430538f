import type { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Instance, type RunRecord } from 'runyard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempHome } from './cli-helpers.js';
import { MONITORING_JOBS, MonitoringHarness } from './fixtures/monitoring-harness.js';

const WAIT_MS = 45_000;

async function waitFor<T>(what: string, get: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('`job launch --wait` with no daemon running checks the worker itself', () => {
  let home: string;
  let instance: Instance;
  beforeAll(async () => {
    home = tempHome();
    writeFileSync(path.join(home, 'runyard.yaml'), 'runMonitoring:\n  pollIntervalSeconds: 0.2\n');
    instance = await Instance.open({ home });
    await instance.storage.migrate();
  });
  afterAll(async () => {
    await instance?.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  it('ends, exit 1, and fails the run as monitoring would, when the worker is killed', async () => {
    let runId: string | undefined;
    const cli = runCli(['job', 'launch', '-f', MONITORING_JOBS, '-j', 'runs_on', '--wait'], {
      home,
      onStdout: (text) => {
        runId ??= /launched run (\S+)/.exec(text)?.[1];
      },
    });
    const id = await waitFor('the run id', async () => runId);
    const start = await waitFor('RUN_START', async () =>
      (await instance.storage.events.getEvents(id)).find((e) => e.type === 'RUN_START'),
    );
    process.kill(start.data?.pid as number, 'SIGKILL');

    const result = await cli;
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`run ${id} FAILURE`);
    const run = (await instance.storage.runs.getRun(id)) as RunRecord;
    expect(run.status).toBe('FAILURE');
    expect(run.statusReason).toBe('run worker died: worker process was killed by SIGKILL');
    const failure = (await instance.storage.events.getEvents(id)).find((e) => e.type === 'RUN_FAILURE');
    expect(failure?.data?.monitoring).toBe('worker_died');
  });
});

describe('a `job execute` run heartbeats like a worker, in the real `runyard daemon`', () => {
  let h: MonitoringHarness;
  beforeAll(async () => {
    h = await MonitoringHarness.start(
      'runMonitoring:\n  pollIntervalSeconds: 0.2\n  heartbeatTimeoutSeconds: 1\nrunWorker:\n  heartbeatIntervalSeconds: 0.2\n',
    );
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('is failed by run monitoring when its process is killed', async () => {
    let child: ReturnType<typeof spawn> | undefined;
    const cli = runCli(['job', 'execute', '-f', MONITORING_JOBS, '-j', 'runs_on'], {
      home: h.home,
      onStdout: (_text, c) => {
        child = c;
      },
    });
    const started = await waitFor('the run to start', async () => {
      const [run] = await h.instance.storage.runs.listRuns({ statuses: ['STARTED'] });
      return run && child ? run : undefined;
    });
    // A live process heartbeats, and monitoring leaves it alone past the timeout.
    await h.waitForPolls(3);
    await h.waitUntil('a heartbeat after the timeout', async () => {
      const run = await h.run(started.runId);
      return (run.workerHeartbeatAt ?? 0) > (run.startTime ?? 0) + 1_000;
    });
    expect((await h.run(started.runId)).status).toBe('STARTED');

    child?.kill('SIGKILL');
    expect((await cli).signal).toBe('SIGKILL');
    const run = await h.waitForStatus(started.runId, ['FAILURE', 'SUCCESS', 'CANCELED']);
    expect(run.status).toBe('FAILURE');
    expect(run.statusReason).toMatch(/^run worker died: no heartbeat for [\d.]+ s \(timeout 1 s\)$/);
    const failure = (await h.events(run.runId)).find((e) => e.type === 'RUN_FAILURE');
    expect(failure?.message).toContain('the run was executed in process (runyard job execute)');
  });
});
