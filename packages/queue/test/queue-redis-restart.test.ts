import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis } from './redis-server.js';
import { type QueueHarness, queueHarness, waitFor } from './support/queue-harness.js';

describeWithRedis(
  'queue executor across a Redis restart',
  (redis) => {
    let h: QueueHarness;
    beforeAll(async () => {
      // Locks outlive the restart (the docs say to size lockDurationMs above a restart or failover).
      h = await queueHarness(redis().url, { lockDurationMs: 8000 });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('loses no step and runs none twice when Redis restarts mid-run', async () => {
      const workers = [1, 2].map(() => h.startWorker(['--queues', 'warehouse,default', '--concurrency', '2']));
      await Promise.all(workers.map((w) => w.ready));
      const run = await h.submit('limited', { 'test/n': '8' });
      await waitFor('a step to start', async () => ((await h.marker('hold.log')).length > 0 ? true : undefined));
      await redis().restart();

      const done = await h.waitForStatus(run.runId, ['SUCCESS', 'FAILURE', 'CANCELED'], 180_000);
      expect(done.status).toBe('SUCCESS');
      const starts = (await h.marker('hold.log'))
        .filter((line) => line.startsWith('start '))
        .map((l) => l.split(' ')[1]);
      expect(starts.length).toBe(8);
      expect(new Set(starts).size).toBe(8);
      const events = await h.instance.storage.events.getEvents(run.runId);
      expect(events.filter((e) => e.type === 'STEP_SUCCESS').length).toBe(9);
      expect(events.some((e) => e.type === 'STEP_UP_FOR_RETRY' || e.type === 'STEP_FAILURE')).toBe(false);
      await Promise.all(workers.map((w) => w.stop()));
    }, 240_000);
  },
  { persistent: true },
);
