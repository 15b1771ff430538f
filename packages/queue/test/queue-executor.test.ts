import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis } from './redis-server.js';
import { type QueueHarness, queueHarness } from './support/queue-harness.js';

describeWithRedis('queue executor: steps on queue workers', (redis) => {
  let h: QueueHarness;
  beforeAll(async () => {
    // 200 steps' events go to one SQLite file from 4 processes: a writer waiting on SQLite's lock
    // blocks its event loop, so locks are long here (docs/queues.md: use PostgreSQL across machines).
    h = await queueHarness(redis().url, { lockDurationMs: 30_000 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('runs a 200-step mapped fan-out across 3 workers, each step once', async () => {
    const workers = [1, 2, 3].map((i) =>
      h.startWorker(['--queues', 'default', '--concurrency', '5', '--name', `w${i}`]),
    );
    await Promise.all(workers.map((w) => w.ready));
    const run = await h.submit('fanout', { 'test/n': '200' });
    const done = await h.waitForStatus(run.runId, ['SUCCESS', 'FAILURE', 'CANCELED'], 560_000);
    expect(done.status).toBe('SUCCESS');
    const events = await h.instance.storage.events.getEvents(run.runId);
    const succeeded = events.filter((e) => e.type === 'STEP_SUCCESS').map((e) => e.stepKey);
    expect(succeeded.length).toBe(202);
    expect(new Set(succeeded).size).toBe(202);
    expect(events.filter((e) => e.type === 'STEP_START').length).toBe(202);
    // The last step read all 200 outputs back through the IO manager.
    const output = await (await h.instance.ioManager()).loadOutput({ runId: run.runId, stepKey: 'total' });
    expect(output).toBe(200);
    await Promise.all(workers.map((w) => w.stop()));
  }, 590_000);
});
