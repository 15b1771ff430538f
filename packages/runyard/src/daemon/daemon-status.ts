import { formatErrorChain } from '../events/error-info.js';
import type { Instance } from '../instance/instance.js';
import { DAEMON_LEASE } from './daemon-loop.js';
import { type DaemonProcessStatus, listDaemonProcesses } from './daemon-presence.js';

export interface DaemonStatus {
  /** QUEUE, MONITORING, SCHEDULER, RETRIES. */
  readonly type: string;
  /** The daemon process that wrote the latest heartbeat (`host:pid:random`). */
  readonly daemonId: string;
  readonly lastHeartbeatAt: number;
  readonly lastHeartbeatAgeMs: number;
  /** The latest heartbeat is within `daemon.heartbeatToleranceSeconds`. */
  readonly healthy: boolean;
  /** The newest error of its latest failing iterations, one line. */
  readonly latestError: string | null;
  readonly errorCount: number;
}

export interface DaemonLeaseStatus {
  readonly holder: string;
  readonly expiresAt: number;
}

/**
 * Each sub-daemon's latest heartbeat (written by the leader), who holds the daemon lease, and every
 * daemon process alive with its role (leader or standby): `instance info` and the API.
 */
export async function daemonStatus(
  instance: Instance,
  now: number = Date.now(),
): Promise<{ daemons: DaemonStatus[]; daemonLease: DaemonLeaseStatus | null; processes: DaemonProcessStatus[] }> {
  const toleranceMs = instance.config.daemon.heartbeatToleranceSeconds * 1000;
  const [heartbeats, lease] = await Promise.all([
    instance.storage.daemon.getHeartbeats(),
    instance.storage.daemon.getLease(DAEMON_LEASE),
  ]);
  const daemons = heartbeats.map((h) => {
    const latest = h.errors[0];
    return {
      type: h.daemonType,
      daemonId: h.daemonId,
      lastHeartbeatAt: h.timestamp,
      lastHeartbeatAgeMs: Math.max(0, now - h.timestamp),
      healthy: now - h.timestamp <= toleranceMs,
      latestError: latest ? formatErrorChain(latest) : null,
      errorCount: h.errors.length,
    };
  });
  // An expired lease is as good as none: its holder is gone or stuck.
  const daemonLease = lease && lease.expiresAt >= now ? { holder: lease.holder, expiresAt: lease.expiresAt } : null;
  // Every daemon process alive, the leader and any standby, each with its role.
  const processes = await listDaemonProcesses(instance.storage.daemon, lease, now);
  return { daemons, daemonLease, processes };
}
