import { describe, expect, it } from 'vitest';
import { mapWithConcurrency } from './map-with-concurrency.js';

/** A promise the test resolves by hand, so overlap is decided by the test, not by timing. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('mapWithConcurrency', () => {
  it('runs at most `concurrency` calls at once, starting the next as soon as one settles', async () => {
    const gates = Array.from({ length: 7 }, deferred);
    const started: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const done = mapWithConcurrency([0, 1, 2, 3, 4, 5, 6], 3, async (i) => {
      started.push(i);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await gates[i]?.promise;
      inFlight--;
      if (i === 4) throw new Error('four failed');
      return i * 10;
    });
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    gates[1]?.resolve();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2, 3]);
    for (const gate of gates) gate.resolve();
    const results = await done;
    expect(maxInFlight).toBe(3);
    expect(results.map((r) => (r?.status === 'fulfilled' ? r.value : r?.status))).toEqual([
      0,
      10,
      20,
      30,
      'rejected',
      50,
      60,
    ]);
  });

  it('starts nothing more once the signal aborts; unstarted items come back undefined', async () => {
    const controller = new AbortController();
    const results = await mapWithConcurrency(
      [0, 1, 2, 3],
      2,
      async (i) => {
        if (i === 1) controller.abort();
        return i;
      },
      controller.signal,
    );
    expect(results.map((r) => r?.status)).toEqual(['fulfilled', 'fulfilled', undefined, undefined]);
  });

  it('copes with no items and with a concurrency above the item count', async () => {
    expect(await mapWithConcurrency([], 4, async () => 1)).toEqual([]);
    expect((await mapWithConcurrency([1], 8, async (x) => x + 1))[0]).toEqual({ status: 'fulfilled', value: 2 });
  });
});
