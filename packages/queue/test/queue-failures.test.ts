import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queueConfigSchema } from '../src/queue-config.js';
import { QueueConnection } from '../src/queue-connection.js';
import { describeWithRedis } from './redis-server.js';
import { type QueueHarness, queueHarness, waitFor } from './support/queue-harness.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describeWithRedis('queue failures: lost workers and cancels', (redis) => {
  let h: QueueHarness;
  let connection: QueueConnection;
  beforeAll(async () => {
    // A SIGKILLed worker's step fails within a few seconds.
    h = await queueHarness(redis().url, { lockDurationMs: 3000 });
    connection = await QueueConnection.open(queueConfigSchema.parse({ connection: { url: redis().url } }));
  });
  afterAll(async () => {
    await connection?.close();
    await h?.close();
  });

  it('fails a step as "worker lost" when its worker is SIGKILLed, and runs the retry on another worker', async () => {
    const first = h.startWorker(['--queues', 'crash', '--name', 'first']);
    await first.ready;
    const run = await h.submit('crashy');
    await waitFor('attempt 1 to start', async () => ((await h.marker('fragile.log')).length === 1 ? true : undefined));
    const second = h.startWorker(['--queues', 'crash', '--name', 'second']);
    await second.ready;
    await first.stop('SIGKILL');

    const done = await h.waitForStatus(run.runId, ['SUCCESS', 'FAILURE'], 120_000);
    expect(done.status).toBe('SUCCESS');
    const events = await h.instance.storage.events.getEvents(run.runId);
    const retry = events.find((e) => e.type === 'STEP_UP_FOR_RETRY');
    expect(retry?.message).toContain('worker lost');
    expect(retry?.error?.name).toBe('WorkerLostError');
    const attempts = (await h.marker('fragile.log')).map((line) => line.split(' '));
    expect(attempts.map((a) => a[1])).toEqual(['1', '2']);
    // Attempt 2's step process is a child of the second worker.
    expect(Number(attempts[1]?.[3])).toBe(second.child.pid);
    // Attempt 1's step process went with its worker.
    await waitFor('attempt 1 process to be gone', async () => (alive(Number(attempts[0]?.[2])) ? undefined : true));
    await second.stop();
  }, 240_000);

  it('terminating a run removes its waiting steps and stops its active steps on every worker', async () => {
    const workers = [h.startWorker(['--queues', 'slow,default']), h.startWorker(['--queues', 'slow,default'])];
    await Promise.all(workers.map((w) => w.ready));
    const run = await h.submit('napping', { 'test/n': '3' });
    const pids = await waitFor('two steps to be running', async () => {
      const lines = await h.marker('nap.pids');
      return lines.length === 2 ? lines.map(Number) : undefined;
    }).catch(async (error) => {
      await h.waitForStatus(run.runId, ['SUCCESS'], 1);
      throw error;
    });
    const slow = connection.queue('steps', 'slow');
    const queued = await slow.getJobCounts('waiting', 'prioritized');
    expect((queued.waiting ?? 0) + (queued.prioritized ?? 0)).toBe(1);
    // The two running steps are on two different workers (each takes one slow step at a time).
    const parentOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
    expect(new Set(pids.map(parentOf))).toEqual(new Set(workers.map((w) => w.child.pid)));

    const result = await h.instance.terminateRun(run.runId);
    expect(result.message).toBeTruthy();
    const done = await h.waitForStatus(run.runId, ['CANCELED', 'FAILURE', 'SUCCESS'], 60_000);
    expect(done.status).toBe('CANCELED');
    await waitFor('every step process to be gone', async () => (pids.some(alive) ? undefined : true));
    const counts = await slow.getJobCounts('waiting', 'prioritized', 'active');
    expect((counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.active ?? 0)).toBe(0);
    // The third step never started anywhere.
    expect((await h.marker('nap.pids')).length).toBe(2);
    // Each worker was told, and stopped its step.
    for (const w of workers) expect(w.output()).toContain('the run was cancelled');
    await Promise.all(workers.map((w) => w.stop()));
  }, 240_000);

  it('refuses at launch an IO manager local to one machine unless the instance declares it shared', async () => {
    const strict = await queueHarness(redis().url, { sharedIoManager: false });
    try {
      const run = await strict.submit('fanout');
      const done = await strict.waitForStatus(run.runId, ['FAILURE', 'SUCCESS'], 60_000);
      expect(done.status).toBe('FAILURE');
      const events = await strict.instance.storage.events.getEvents(run.runId);
      const failure = events.find((e) => e.type === 'RUN_FAILURE');
      expect(failure?.message).toContain('keeps outputs on this machine only');
      expect(events.some((e) => e.type === 'STEP_START')).toBe(false);
    } finally {
      await strict.close();
    }
  }, 240_000);
});
