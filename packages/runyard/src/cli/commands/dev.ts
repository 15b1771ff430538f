import { DaemonLoop } from '../../daemon/daemon-loop.js';
import { daemonsForInstance } from '../../daemon/daemons-for-instance.js';
import { type GlobalOptions, instanceHome, openInstance } from '../command-context.js';
import { checkedLocation } from './ui.js';
import { checkPortFree, serveOptions, startServer, untilSignal } from './ui-serve.js';

/**
 * `runyard dev -f <file>`: the one-command start. The web UI, the HTTP API and the daemon (run
 * queue, monitoring, schedules, retries) in one process on the instance in `--home` (embedded
 * SQLite by default). Ctrl-C stops the server and the daemon, releasing the daemon's lease.
 */
export default async function dev(_args: string[], opts: Record<string, unknown>, globals: GlobalOptions) {
  const serve = serveOptions(opts);
  const codeLocation = await checkedLocation(String(opts.file));
  await checkPortFree(serve);
  const instance = await openInstance(globals);
  try {
    const daemons = await daemonsForInstance(instance);
    const loop = new DaemonLoop(instance, daemons, {
      leaseTtlMs: Math.max(3, instance.config.daemon.heartbeatIntervalSeconds * 2) * 1000,
    });
    const server = await startServer(instance, serve, codeLocation);
    const running = loop.run();
    process.stdout.write(
      [
        `Runyard dev on ${instance.home}`,
        `  instance       ${instanceHome(globals).reason}`,
        `  code location  ${codeLocation}`,
        `  daemon         ${daemons.map((d) => d.type).join(', ') || 'nothing to run'}`,
        `  web UI         ${server.url}`,
        '',
      ].join('\n'),
    );
    const stopped = untilSignal();
    // If the daemon loop dies, the UI alone would look healthy while nothing gets dequeued: stop.
    const outcome = await Promise.race([
      stopped.then((signal) => ({ signal })),
      running.then(() => ({ signal: null })),
    ]);
    process.stdout.write(`${outcome.signal ?? 'daemon stopped'}: stopping\n`);
    await Promise.all([server.close(), loop.stop()]);
    await running;
    return outcome.signal ? 0 : 1;
  } finally {
    await instance.dispose();
  }
}
