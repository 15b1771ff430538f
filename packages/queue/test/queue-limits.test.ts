import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queueConfigSchema } from '../src/queue-config.js';
import { QueueConnection } from '../src/queue-connection.js';
import { describeWithRedis } from './redis-server.js';
import { CLI, type QueueHarness, queueHarness, waitFor } from './support/queue-harness.js';

describeWithRedis('queue limits and priority', (redis) => {
  let h: QueueHarness;
  let connection: QueueConnection;
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, '--home', h.home, 'queue', ...args], {
      encoding: 'utf8',
      env: { ...process.env, TEST_REDIS_URL: redis().url },
    });
  beforeAll(async () => {
    h = await queueHarness(redis().url);
    connection = await QueueConnection.open(queueConfigSchema.parse({ connection: { url: redis().url } }));
  });
  afterAll(async () => {
    await connection?.close();
    await h?.close();
  });

  it('never runs more than a queue limit of 2 at once with 3 workers at concurrency 5, and says why steps wait', async () => {
    const limit = cli('limit', 'warehouse', '2');
    expect(limit.stderr).toBe('');
    expect(limit.stdout).toContain('queue warehouse: at most 2 step(s) at once');
    const workers = [1, 2, 3].map(() => h.startWorker(['--queues', 'warehouse,default', '--concurrency', '5']));
    await Promise.all(workers.map((w) => w.ready));

    const run = await h.submit('limited', { 'test/n': '9' });
    // Sampled while the run goes: BullMQ's count of active warehouse jobs.
    const warehouse = connection.queue('steps', 'warehouse');
    let maxActive = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        maxActive = Math.max(maxActive, (await warehouse.getJobCounts('active')).active ?? 0);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const done = await h.waitForStatus(run.runId, ['SUCCESS', 'FAILURE', 'CANCELED'], 180_000);
    sampling = false;
    await sampler;
    expect(done.status).toBe('SUCCESS');
    expect(maxActive).toBeGreaterThan(0);
    expect(maxActive).toBeLessThanOrEqual(2);

    // The step processes' own start and end marks never overlap more than 2 deep either.
    const marks = (await h.marker('hold.log')).map((line) => {
      const [kind, , , at] = line.split(' ');
      return { delta: kind === 'start' ? 1 : -1, at: Number(at) };
    });
    expect(marks.length).toBe(18);
    let depth = 0;
    let deepest = 0;
    for (const m of marks.sort((a, b) => a.at - b.at || a.delta - b.delta)) {
      depth += m.delta;
      deepest = Math.max(deepest, depth);
    }
    expect(deepest).toBeLessThanOrEqual(2);

    const events = await h.instance.storage.events.getEvents(run.runId);
    const reasons = events.map((e) => e.data?.waitingReason).filter(Boolean);
    expect(reasons).toContain('waiting for a free slot on queue warehouse (2/2 in use)');

    const status = cli('status', '--json');
    expect(status.status).toBe(0);
    const parsed = JSON.parse(status.stdout) as {
      redis: string;
      workers: { queues: string[] }[];
      queues: { name: string; limit: number | null; workers: number }[];
    };
    expect(parsed.workers.length).toBe(3);
    expect(parsed.queues.find((q) => q.name === 'warehouse')).toMatchObject({ limit: 2, workers: 3 });
    await Promise.all(workers.map((w) => w.stop()));
    // A worker that stopped on SIGTERM unregistered itself.
    expect(JSON.parse(cli('status', '--json').stdout).workers).toEqual([]);
  }, 240_000);

  it('starts waiting steps in priority order: the run priority tag plus the op tag, higher first', async () => {
    const labels = ['low', 'high', 'middle'];
    const priorities: Record<string, string> = { low: '-5', high: '10', middle: '0' };
    const runs = [];
    for (const label of labels)
      runs.push(
        await h.submit('prioritized', { 'test/label': label, 'runyard/priority': priorities[label] as string }),
      );
    // No worker takes `ordered` yet: wait until all three steps are queued there.
    const ordered = connection.queue('steps', 'ordered');
    await waitFor('three queued steps', async () => {
      const counts = await ordered.getJobCounts('waiting', 'prioritized');
      return (counts.waiting ?? 0) + (counts.prioritized ?? 0) === 3 ? true : undefined;
    });
    await waitFor('the reason to be recorded', async () =>
      (await h.instance.storage.events.getEvents(runs[0]?.runId as string)).some((e) =>
        String(e.data?.waitingReason ?? '').includes('no running worker takes queue ordered'),
      )
        ? true
        : undefined,
    );
    // `run show` says why the step waits.
    const show = spawnSync(
      process.execPath,
      [CLI, '--home', h.home, 'run', 'show', runs[0]?.runId as string, '--json'],
      {
        encoding: 'utf8',
      },
    );
    const shown = JSON.parse(show.stdout) as { steps: { stepKey: string; waitingReason?: string }[] };
    expect(shown.steps.find((s) => s.stepKey === 'ordered')?.waitingReason).toBe(
      'waiting for a worker: no running worker takes queue ordered',
    );
    const worker = h.startWorker(['--queues', 'ordered', '--concurrency', '1']);
    for (const run of runs)
      expect((await h.waitForStatus(run.runId, ['SUCCESS', 'FAILURE'], 120_000)).status).toBe('SUCCESS');
    expect(await h.marker('order.log')).toEqual(['high', 'middle', 'low']);
    await worker.stop();
  }, 240_000);

  it('refuses a bad queue command with exit 2 and a message, writing nothing', () => {
    const bad = cli('limit', 'ware:house', '2');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("'ware:house' is not a queue name");
    const zero = cli('limit', 'warehouse', '0');
    expect(zero.status).toBe(2);
    expect(zero.stderr).toContain('expected a whole number ≥ 1');
  }, 240_000);
});
