import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis } from './redis-server.js';
import { type QueueHarness, queueHarness } from './support/queue-harness.js';

describeWithRedis('queue executor: steps on queue workers', (redis) => {
  let h: QueueHarness;
  beforeAll(async () => {
    h = await queueHarness(redis().url);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('runs a mapped fan-out on two workers, every step in a step process of its own', async () => {
    const a = h.startWorker(['--queues', 'default', '--concurrency', '3']);
    const b = h.startWorker(['--queues', 'default', '--concurrency', '3']);
    await Promise.all([a.ready, b.ready]);
    const run = await h.submit('fanout', { 'test/n': '6' });
    const done = await h.waitForStatus(run.runId, ['SUCCESS', 'FAILURE', 'CANCELED']);
    expect(done.status).toBe('SUCCESS');
    const events = await h.instance.storage.events.getEvents(run.runId);
    expect(events.filter((e) => e.type === 'STEP_SUCCESS').length).toBe(8);
    const t0 = events[0]?.timestamp ?? 0;
    console.log(
      events.map((e) => `${e.timestamp - t0} ${e.type} ${e.stepKey ?? ''} ${e.message.slice(0, 80)}`).join('\n'),
    );
  }, 240_000);
});
