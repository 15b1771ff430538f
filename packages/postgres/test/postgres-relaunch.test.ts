import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Instance, isTerminalStatus } from 'runyard';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isOurGroupAlive } from '../../runyard/src/launcher/process/process-identity.js';
import { type DaemonProcess, spawnDaemon, waitFor } from '../../runyard/test/fixtures/daemon-process.js';
import {
  COUNTED,
  executions,
  INTERRUPTIBLE_LAUNCHER,
  relaunchEvents,
  runStartCount,
} from '../../runyard/test/fixtures/launch-recovery.js';
import { describeWithPostgres, dropSchema, freshSchemaName } from './support/with-postgres.js';

/**
 * Launch recovery on PostgreSQL: a daemon killed after it started a worker that it never recorded
 * on the run. The successor's run monitoring launches the run again (leases, the attempt tag and
 * the launcher named in RUN_STARTING's data all live in PostgreSQL), and the first worker, woken
 * afterwards, refuses: the run executes once. launch-recovery.test.ts does the same on SQLite.
 */
describeWithPostgres('launch recovery on PostgreSQL', (server) => {
  let home: string;
  let schema: string;
  let instance: Instance;
  const daemons: DaemonProcess[] = [];
  const env = () => ({ DATABASE_URL: server().url });

  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'runyard-pg-relaunch-'));
    schema = freshSchemaName('relaunch');
    writeFileSync(
      path.join(home, 'runyard.yaml'),
      [
        'storage:',
        '  class: PostgresStorage',
        `  config: { url: { env: DATABASE_URL }, schema: ${schema} }`,
        'runCoordinator:',
        '  class: QueuedRunCoordinator',
        '  config: { dequeueIntervalMs: 100 }',
        `runLauncher: { module: ${JSON.stringify(INTERRUPTIBLE_LAUNCHER)}, class: InterruptibleLauncher }`,
        'runMonitoring: { pollIntervalSeconds: 0.5, startTimeoutSeconds: 120 }',
        '',
      ].join('\n'),
    );
    process.env.DATABASE_URL = server().url;
    instance = await Instance.open({ home });
  });

  afterAll(async () => {
    for (const daemon of daemons) daemon.kill('SIGKILL');
    await Promise.all(daemons.map((d) => d.exited));
    writeFileSync(path.join(home, 'first-worker-may-go'), '');
    for (const run of await instance.storage.runs.listRuns())
      if (!isTerminalStatus(run.status)) await instance.terminateRun(run.runId, { force: true }).catch(() => undefined);
    await instance.dispose();
    await dropSchema(server(), schema);
    rmSync(home, { recursive: true, force: true });
  });

  it(
    'relaunches a queued run whose daemon died mid-launch; the unrecorded first worker refuses',
    { timeout: 120_000 },
    async () => {
      const file = path.join(home, 'counted.log');
      const run = await instance.submitRun({
        jobName: 'counted',
        runConfig: { ops: { count: { config: { file } } } },
        origin: { codeLocation: COUNTED, source: 'api' },
      });
      const gate = path.join(home, 'first-worker-may-go');
      const pidFile = path.join(home, 'first-worker.pid');
      const first = spawnDaemon(home, ['--lease-ttl', '1'], {
        ...env(),
        RUNYARD_TEST_LAUNCH: 'hang-after-spawn',
        RUNYARD_TEST_WORKER_GATE: gate,
        RUNYARD_TEST_PID_FILE: pidFile,
      });
      daemons.push(first);
      await waitFor('the first worker', () => existsSync(pidFile) || undefined);
      first.kill('SIGKILL');
      await first.exited;

      const second = spawnDaemon(home, ['--lease-ttl', '1'], env());
      daemons.push(second);
      const [relaunch] = await waitFor('the relaunch', async () => {
        const events = await relaunchEvents(instance, run.runId);
        return events.length > 0 ? events : undefined;
      });
      writeFileSync(gate, '');
      expect(relaunch?.data).toMatchObject({ launchAttempt: 2, interrupted: { pid: first.pid } });
      await waitFor(
        'SUCCESS',
        async () => (await instance.storage.runs.getRun(run.runId))?.status === 'SUCCESS' || undefined,
      );
      await waitFor('the first worker to refuse', async () => {
        const events = await instance.storage.events.getEvents(run.runId, { types: ['ENGINE_EVENT'] });
        return events.some((e) => e.message.includes('refused to run')) || undefined;
      });
      expect(executions(file).get(run.runId)).toBe(1);
      expect(await runStartCount(instance, run.runId)).toBe(1);
      const firstWorker = Number(readFileSync(pidFile, 'utf8'));
      await waitFor('the first worker to exit', () => !isOurGroupAlive(firstWorker, undefined) || undefined);
    },
  );
});
