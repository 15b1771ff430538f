import { DaemonLoop } from '../../daemon/daemon-loop.js';
import { daemonsForInstance } from '../../daemon/daemons-for-instance.js';
import { UsageError } from '../cli-error.js';
import { type GlobalOptions, openInstance } from '../command-context.js';
import { checkIntegrity } from './storage-integrity.js';

/**
 * `runyard daemon`: the run queue, run monitoring, the scheduler and run retries in one process.
 * A second daemon on the same instance stands by and takes over when the first dies. SIGTERM or
 * SIGINT stops it cleanly (iterations finish, the lease is released) with exit code 0.
 */
export default async function daemon(_args: string[], opts: Record<string, unknown>, globals: GlobalOptions) {
  const leaseTtlMs = opts.leaseTtl === undefined ? undefined : parseLeaseTtl(opts.leaseTtl);
  const instance = await openInstance(globals);
  try {
    // A daemon runs for days on this store: a damaged one is better found now than mid-iteration.
    await checkIntegrity(instance);
    const daemons = await daemonsForInstance(instance);
    const seconds = instance.config.daemon.heartbeatIntervalSeconds;
    const loop = new DaemonLoop(instance, daemons, {
      leaseTtlMs: leaseTtlMs ?? Math.max(3, seconds * 2) * 1000,
    });
    const stop = (signal: NodeJS.Signals) => {
      process.stdout.write(`${new Date().toISOString()} ${signal}: stopping\n`);
      void loop.stop();
    };
    // Once: a second Ctrl-C falls through to Node's default and ends the process at once.
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    process.stdout.write(
      `runyard daemon ${loop.daemonId} on ${instance.home}: ${daemons.map((d) => d.type).join(', ') || 'nothing to run'}\n`,
    );
    await loop.run();
    return 0;
  } finally {
    await instance.dispose();
  }
}

function parseLeaseTtl(value: unknown): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new UsageError(`--lease-ttl must be a number of seconds > 0, got ${JSON.stringify(value)}`);
  return Math.round(seconds * 1000);
}
