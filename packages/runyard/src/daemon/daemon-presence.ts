import type { DaemonStorage, Lease } from '../storage/daemon-storage.js';

/**
 * Every `runyard daemon` process says it is alive, leader or standby, so that `instance info` and
 * the API list standby daemons too (sub-daemon heartbeats come from the leader alone). Each holds
 * a lease of its own, `runyard-daemon-process/<daemonId>`, renewed with every turn of its lease
 * loop: a live lease is a live daemon, an expired one a daemon that died without saying goodbye
 * (the leader clears those). No table of its own: the lease table already has what is needed.
 */
export const DAEMON_PROCESS_LEASE_PREFIX = 'runyard-daemon-process/';

export type DaemonRole = 'leader' | 'standby';

export interface DaemonProcessStatus {
  /** `host:pid:random`. */
  readonly daemonId: string;
  /** Whether it holds the daemon lease (its sub-daemons act) or waits to take over. */
  readonly role: DaemonRole;
  /** Its presence lasts until then unless renewed; it renews it every lease interval. */
  readonly aliveUntil: number;
}

/** Renews this process's presence; the leader also clears presences that expired long ago. */
export async function announcePresence(
  storage: DaemonStorage,
  daemonId: string,
  ttlMs: number,
  leader: boolean,
): Promise<void> {
  await storage.acquireLease(`${DAEMON_PROCESS_LEASE_PREFIX}${daemonId}`, daemonId, ttlMs);
  if (!leader) return;
  const now = Date.now();
  for (const lease of await storage.listLeases(DAEMON_PROCESS_LEASE_PREFIX)) {
    // Kept a while after it expires, so a daemon that was only slow is not dropped mid-renewal.
    if (lease.expiresAt + ttlMs < now) await storage.releaseLease(lease.name, lease.holder);
  }
}

/** On a clean stop. */
export async function withdrawPresence(storage: DaemonStorage, daemonId: string): Promise<void> {
  await storage.releaseLease(`${DAEMON_PROCESS_LEASE_PREFIX}${daemonId}`, daemonId);
}

/** The daemon processes alive now, the leader first. */
export async function listDaemonProcesses(
  storage: DaemonStorage,
  leader: Lease | undefined,
  now: number,
): Promise<DaemonProcessStatus[]> {
  const leaderId = leader && leader.expiresAt >= now ? leader.holder : undefined;
  return (await storage.listLeases(DAEMON_PROCESS_LEASE_PREFIX))
    .filter((lease) => lease.expiresAt >= now)
    .map((lease): DaemonProcessStatus => {
      const role: DaemonRole = lease.holder === leaderId ? 'leader' : 'standby';
      return { daemonId: lease.holder, role, aliveUntil: lease.expiresAt };
    })
    .sort((a, b) => (a.role === b.role ? a.daemonId.localeCompare(b.daemonId) : a.role === 'leader' ? -1 : 1));
}
