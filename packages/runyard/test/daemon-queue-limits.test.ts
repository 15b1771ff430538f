import { afterEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../src/index.js';
import { QueueHarness } from './fixtures/queue-harness.js';

/**
 * The run queue with a real `runyard daemon` and real run workers: limits, priority and parallel
 * dequeue. Gated runs end only when the test releases them, and "nothing more was launched" is
 * checked after whole daemon iterations (heartbeats), never after a sleep.
 */

let harness: QueueHarness | undefined;
const open = (options: ConstructorParameters<typeof QueueHarness>[0]) => {
  harness = new QueueHarness(options);
  return harness;
};

afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

const IN_PROGRESS = new Set(['STARTING', 'STARTED', 'CANCELING']);
const idsOf = (runs: readonly RunRecord[]) => runs.map((r) => r.runId);

describe('the queue daemon keeps to the limits', () => {
  it('never has more than maxConcurrentRuns in progress, and drains the whole queue', async () => {
    const h = open({ queue: { maxConcurrentRuns: 3 } });
    const runs = await h.submitMany(8);
    for (const run of runs) expect(run).toMatchObject({ status: 'QUEUED', statusReason: 'waiting for the run queue' });
    const daemon = h.startDaemon();

    // Three start and wait at their gates; after two more whole iterations, still only three.
    await h.waitForRuns('3 runs STARTED', (all) => all.filter((r) => r.status === 'STARTED').length === 3);
    await h.waitForIterations(2);
    expect(await h.countByStatus()).toEqual({ STARTED: 3, QUEUED: 5 });
    const waiting = (await h.runs()).filter((r) => r.status === 'QUEUED');
    for (const run of waiting) expect(run.statusReason).toBe('waiting: 3 of 3 runs in progress (maxConcurrentRuns)');

    // Release everything and sample storage until the queue is drained.
    h.release();
    let maxSeen = 0;
    await h.waitForRuns('every run to succeed', (all) => {
      const now = all.filter((r) => IN_PROGRESS.has(r.status)).length;
      maxSeen = Math.max(maxSeen, now);
      expect(now).toBeLessThanOrEqual(3);
      return all.every((r) => r.status === 'SUCCESS');
    });
    expect(maxSeen).toBe(3);
    expect(h.maxOpsAtOnce()).toBeLessThanOrEqual(3);
    expect(new Set(h.startOrder())).toEqual(new Set(idsOf(runs)));
    expect(h.startOrder()).toHaveLength(8);
    for (const run of runs) expect(await h.startingEvents(run.runId)).toBe(1);
    expect(daemon.output).toMatch(/\[QUEUE\] launched 3 run\(s\); 5 waiting/);
  });

  it('holds runs back by a tag limit while later runs the limit does not concern pass them', async () => {
    const h = open({
      queue: { maxConcurrentRuns: -1, tagConcurrencyLimits: [{ key: 'team', value: 'data', limit: 1 }] },
    });
    // The data runs are first in the queue; the others come after and must not wait behind them.
    const data = [await h.submit({ team: 'data' }), await h.submit({ team: 'data' }), await h.submit({ team: 'data' })];
    const others = [await h.submit({ team: 'ml' }), await h.submit({ team: 'ml' }), await h.submit()];
    h.startDaemon();

    await h.waitForStatus(idsOf(others), 'STARTED');
    await h.waitForRuns(
      'one data run STARTED',
      (all) => all.filter((r) => r.tags.team === 'data' && r.status === 'STARTED').length === 1,
    );
    await h.waitForIterations(2);
    const dataNow = await Promise.all(data.map((r) => h.run(r.runId)));
    expect(dataNow.map((r) => r.status).sort()).toEqual(['QUEUED', 'QUEUED', 'STARTED']);
    // The oldest data run went first.
    expect(dataNow[0]?.status).toBe('STARTED');
    for (const run of dataNow.filter((r) => r.status === 'QUEUED'))
      expect(run.statusReason).toBe('waiting: tag team=data has 1 of 1 runs in progress');

    // The data runs go one at a time, in submission order.
    for (const run of data) {
      await h.waitForStatus([run.runId], 'STARTED');
      const inProgressData = (await h.inProgress()).filter((r) => r.tags.team === 'data');
      expect(idsOf(inProgressData)).toEqual([run.runId]);
      h.release(run.runId);
      await h.waitForStatus([run.runId], 'SUCCESS');
    }
    const dataStarts = h.startOrder().filter((id) => idsOf(data).includes(id));
    expect(dataStarts).toEqual(idsOf(data));
  });

  it('with perUniqueValue, runs one per value of the tag at a time', async () => {
    const h = open({ queue: { tagConcurrencyLimits: [{ key: 'customer', limit: 1, perUniqueValue: true }] } });
    const a = [await h.submit({ customer: 'a' }), await h.submit({ customer: 'a' })];
    const b = [await h.submit({ customer: 'b' }), await h.submit({ customer: 'b' })];
    const untagged = await h.submit();
    h.startDaemon();

    await h.waitForStatus([a[0]?.runId as string, b[0]?.runId as string, untagged.runId], 'STARTED');
    await h.waitForIterations(2);
    expect((await h.run(a[1]?.runId as string)).statusReason).toBe(
      'waiting: tag customer=a has 1 of 1 runs in progress',
    );
    expect((await h.run(b[1]?.runId as string)).statusReason).toBe(
      'waiting: tag customer=b has 1 of 1 runs in progress',
    );
    expect(await h.countByStatus()).toEqual({ STARTED: 3, QUEUED: 2 });

    // Ending customer a's run lets a's next one in, and b's still waits.
    h.release(a[0]?.runId);
    await h.waitForStatus([a[1]?.runId as string], 'STARTED');
    await h.waitForIterations(2);
    expect((await h.run(b[1]?.runId as string)).status).toBe('QUEUED');
    h.release();
    await h.waitForRuns('every run to succeed', (all) => all.every((r) => r.status === 'SUCCESS'));
    // Never two runs of one customer at once, judged from what the ops themselves wrote.
    for (const customer of [a, b]) {
      const ids = idsOf(customer);
      const log = h.opsLog().filter((e) => ids.includes(e.runId));
      expect(log.map((e) => e.what)).toEqual(['start', 'end', 'start', 'end']);
    }
  });

  it('launches in priority order (higher first, then oldest), and says when a priority is not a number', async () => {
    const h = open({ queue: { maxConcurrentRuns: 1 } });
    const plain = await h.submit();
    const low = await h.submit({ 'runyard/priority': '-5' });
    const high = await h.submit({ 'runyard/priority': '10' });
    const bad = await h.submit({ 'runyard/priority': 'urgent' });
    const highToo = await h.submit({ 'runyard/priority': '10' });
    const mid = await h.submit({ 'runyard/priority': '3' });
    const expected = [high, highToo, mid, plain, bad, low].map((r) => r.runId);
    h.startDaemon();

    await h.waitForStatus([high.runId], 'STARTED');
    await h.waitForIterations(2);
    expect((await h.run(bad.runId)).statusReason).toBe(
      'waiting: 1 of 1 runs in progress (maxConcurrentRuns); tag runyard/priority="urgent" is not an integer, so it counts as 0',
    );
    expect((await h.run(plain.runId)).statusReason).toBe('waiting: 1 of 1 runs in progress (maxConcurrentRuns)');

    h.release();
    await h.waitForRuns('every run to succeed', (all) => all.every((r) => r.status === 'SUCCESS'));
    expect(h.startOrder()).toEqual(expected);
    expect(h.maxOpsAtOnce()).toBe(1);
  });

  it('launches several runs in one iteration, dequeueParallelism at a time', async () => {
    const h = open({ queue: { maxConcurrentRuns: 6, dequeueParallelism: 3 } });
    const runs = await h.submitMany(6);
    const daemon = h.startDaemon();

    await h.waitForStatus(idsOf(runs), 'STARTED');
    // All six went in the daemon's first pass over the queue: one log line names them all.
    const line = (await daemon.waitForOutput(
      /\[QUEUE\] launched (\d+) run\(s\); (\d+) waiting: (.*)/,
    )) as RegExpExecArray;
    expect(line[1]).toBe('6');
    expect(line[2]).toBe('0');
    expect(new Set(line[3]?.split(', '))).toEqual(new Set(idsOf(runs)));
    expect(daemon.output.match(/\[QUEUE\] launched/g)).toHaveLength(1);
    h.release();
    await h.waitForRuns('every run to succeed', (all) => all.every((r) => r.status === 'SUCCESS'));
    for (const run of runs) expect(await h.startingEvents(run.runId)).toBe(1);
  });
});
