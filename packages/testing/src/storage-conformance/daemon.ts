import { toErrorInfo } from 'runyard';
import { describe, expect, it } from 'vitest';
import { clockPast, type GetStorage } from './fixtures.js';

export function describeDaemonStorage(storage: GetStorage): void {
  describe('daemon: heartbeats', () => {
    it('keeps the latest heartbeat per daemon type, with its errors', async () => {
      const daemon = storage().daemon;
      expect(await daemon.getHeartbeats()).toEqual([]);
      const error = toErrorInfo(new Error('iteration failed', { cause: new Error('db down') }));
      await daemon.recordHeartbeat({ daemonType: 'SCHEDULER', daemonId: 'd1', timestamp: 1_000, errors: [] });
      await daemon.recordHeartbeat({
        daemonType: 'QUEUED_RUN_COORDINATOR',
        daemonId: 'd1',
        timestamp: 1_001,
        errors: [],
      });
      await daemon.recordHeartbeat({ daemonType: 'SCHEDULER', daemonId: 'd2', timestamp: 2_000, errors: [error] });

      const beats = [...(await daemon.getHeartbeats())].sort((a, b) => a.daemonType.localeCompare(b.daemonType));
      expect(beats).toEqual([
        { daemonType: 'QUEUED_RUN_COORDINATOR', daemonId: 'd1', timestamp: 1_001, errors: [] },
        { daemonType: 'SCHEDULER', daemonId: 'd2', timestamp: 2_000, errors: [error] },
      ]);
    });
  });

  describe('daemon: leases', () => {
    it('gives a free lease to the first holder and refuses a second one', async () => {
      const daemon = storage().daemon;
      expect(await daemon.getLease('scheduler')).toBeUndefined();
      const mine = await daemon.acquireLease('scheduler', 'daemon-a', 60_000);
      expect(mine.acquired).toBe(true);
      expect(mine.lease).toMatchObject({ name: 'scheduler', holder: 'daemon-a' });
      const theirs = await daemon.acquireLease('scheduler', 'daemon-b', 60_000);
      expect(theirs).toEqual({ acquired: false, lease: mine.lease });
      expect(await daemon.getLease('scheduler')).toEqual(mine.lease);
      // Another lease name is independent.
      expect((await daemon.acquireLease('monitor', 'daemon-b', 60_000)).acquired).toBe(true);
    });

    it('renews for the holder, moving the expiry forward', async () => {
      const daemon = storage().daemon;
      const first = await daemon.acquireLease('scheduler', 'daemon-a', 10_000);
      const renewed = await daemon.acquireLease('scheduler', 'daemon-a', 60_000);
      expect(renewed.acquired).toBe(true);
      expect(renewed.lease.holder).toBe('daemon-a');
      expect(renewed.lease.expiresAt).toBeGreaterThan(first.lease.expiresAt);
    });

    it('lets another holder take the lease once it has expired', async () => {
      const daemon = storage().daemon;
      const short = await daemon.acquireLease('scheduler', 'daemon-a', 1);
      await clockPast(short.lease.expiresAt + 5);
      const stolen = await daemon.acquireLease('scheduler', 'daemon-b', 60_000);
      expect(stolen.acquired).toBe(true);
      expect(stolen.lease.holder).toBe('daemon-b');
      const back = await daemon.acquireLease('scheduler', 'daemon-a', 60_000);
      expect(back).toEqual({ acquired: false, lease: stolen.lease });
    });

    it('releases only for the holder', async () => {
      const daemon = storage().daemon;
      await daemon.acquireLease('scheduler', 'daemon-a', 60_000);
      expect(await daemon.releaseLease('scheduler', 'daemon-b')).toBe(false);
      expect((await daemon.getLease('scheduler'))?.holder).toBe('daemon-a');
      expect(await daemon.releaseLease('scheduler', 'daemon-a')).toBe(true);
      expect(await daemon.getLease('scheduler')).toBeUndefined();
      expect(await daemon.releaseLease('scheduler', 'daemon-a')).toBe(false);
      expect((await daemon.acquireLease('scheduler', 'daemon-b', 60_000)).acquired).toBe(true);
    });

    it('lists the leases whose name starts with a prefix, expired ones too, by name', async () => {
      const daemon = storage().daemon;
      await daemon.acquireLease('daemon-process/b', 'b', 60_000);
      await daemon.acquireLease('daemon-process/a', 'a', -1);
      await daemon.acquireLease('daemon-processes', 'not-under-the-prefix', 60_000);
      await daemon.acquireLease('other', 'c', 60_000);
      // LIKE wildcards in a prefix are plain characters.
      await daemon.acquireLease('daemon_process/x', 'x', 60_000);
      const listed = await daemon.listLeases('daemon-process/');
      expect(listed.map((l) => [l.name, l.holder])).toEqual([
        ['daemon-process/a', 'a'],
        ['daemon-process/b', 'b'],
      ]);
      expect(listed[0]?.expiresAt).toBeLessThan(Date.now());
      expect((await daemon.listLeases('daemon_process/')).map((l) => l.name)).toEqual(['daemon_process/x']);
      expect(await daemon.listLeases('nothing-here/')).toEqual([]);
    });

    it('gives a contested free lease to exactly one of many concurrent holders', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => storage().daemon.acquireLease('contested', `daemon-${i}`, 60_000)),
      );
      const winners = results.filter((r) => r.acquired);
      expect(winners).toHaveLength(1);
      const holder = winners[0]?.lease.holder;
      expect((await storage().daemon.getLease('contested'))?.holder).toBe(holder);
    });
  });
}
