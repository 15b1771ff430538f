import { DAEMON_LEASE } from '../../daemon/daemon-loop.js';
import { formatErrorChain } from '../../events/error-info.js';
import type { Instance } from '../../instance/instance.js';
import { type GlobalOptions, printJson, withInstance } from '../command-context.js';
import { formatDuration } from '../style.js';

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

export default async function instanceInfo(_args: string[], opts: Record<string, unknown>, globals: GlobalOptions) {
  const { info, daemons, daemonLease } = await withInstance(globals, async (instance) => ({
    info: await instance.info(),
    ...(await daemonStatus(instance)),
  }));
  if (opts.json) {
    printJson({ ...info, daemons, daemonLease });
    return 0;
  }
  const rows: Array<[string, string]> = [
    ['home', info.home],
    ['config', info.configFile ?? '(none: defaults)'],
    [
      'storage',
      `${info.storage.kind} at ${info.storage.location} (schema v${info.storage.schemaVersion} of ${info.storage.latestSchemaVersion})`,
    ],
    ['run launcher', info.runLauncher],
    ['run coordinator', info.runCoordinator],
    ['compute logs', info.computeLogs],
    ['daemon', daemonLease ? `lease held by ${daemonLease.holder}` : 'not running (no daemon holds the lease)'],
  ];
  const lines = rows.map(([k, v]) => `${k.padEnd(16)} ${v}`);
  for (const d of daemons) {
    const state = d.healthy ? 'healthy' : 'NOT HEALTHY';
    lines.push(
      `  ${d.type.padEnd(14)} ${state}, last heartbeat ${formatDuration(d.lastHeartbeatAgeMs)} ago from ${d.daemonId}`,
    );
    if (d.latestError) lines.push(`  ${''.padEnd(14)} latest error: ${d.latestError}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

async function daemonStatus(
  instance: Instance,
): Promise<{ daemons: DaemonStatus[]; daemonLease: DaemonLeaseStatus | null }> {
  const now = Date.now();
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
  return { daemons, daemonLease };
}
