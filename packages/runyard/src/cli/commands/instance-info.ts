import { daemonStatus } from '../../daemon/daemon-status.js';
import { type GlobalOptions, instanceHome, printJson, withInstance } from '../command-context.js';
import { formatDuration } from '../style.js';
import { checkIntegrity } from './storage-integrity.js';

export default async function instanceInfo(_args: string[], opts: Record<string, unknown>, globals: GlobalOptions) {
  const { info, integrity, daemons, daemonLease, processes } = await withInstance(globals, async (instance) => ({
    // First: on a damaged store, the damage is what the user needs to hear about.
    integrity: await checkIntegrity(instance),
    info: await instance.info(),
    ...(await daemonStatus(instance)),
  }));
  if (opts.json) {
    printJson({
      ...info,
      homeReason: instanceHome(globals).reason,
      integrity,
      daemons,
      daemonLease,
      daemonProcesses: processes,
    });
    return 0;
  }
  const rows: Array<[string, string]> = [
    ['home', info.home],
    ['found by', instanceHome(globals).reason],
    ['config', info.configFile ?? '(none: defaults)'],
    [
      'storage',
      `${info.storage.kind} at ${info.storage.location} (schema v${info.storage.schemaVersion} of ${info.storage.latestSchemaVersion})`,
    ],
    ['integrity', integrity === 'ok' ? 'ok (checked every page)' : 'not checked by this storage'],
    ['run launcher', info.runLauncher],
    ['run coordinator', info.runCoordinator],
    ['compute logs', info.computeLogs],
    ['daemon', daemonLease ? `lease held by ${daemonLease.holder}` : 'not running (no daemon holds the lease)'],
  ];
  const lines = rows.map(([k, v]) => `${k.padEnd(16)} ${v}`);
  // Every daemon process, the standby ones too: a standby takes over when the leader dies.
  for (const p of processes) lines.push(`  ${p.role.padEnd(14)} ${p.daemonId}`);
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
