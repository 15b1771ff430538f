import { type GlobalOptions, instanceHome, openInstance } from '../command-context.js';
import { checkPortFree, serveOptions, startServer, untilSignal } from './ui-serve.js';

/** `runyard ui`: the web UI and HTTP API alone (run `runyard daemon` beside it for queues and schedules). */
export default async function ui(_args: string[], opts: Record<string, unknown>, globals: GlobalOptions) {
  const serve = serveOptions(opts);
  const codeLocation = typeof opts.file === 'string' ? await checkedLocation(opts.file) : undefined;
  await checkPortFree(serve);
  const instance = await openInstance(globals);
  try {
    const server = await startServer(instance, serve, codeLocation);
    process.stdout.write(`runyard ui on ${instance.home} (${instanceHome(globals).reason}): ${server.url}\n`);
    const signal = await untilSignal();
    process.stdout.write(`${signal}: stopping\n`);
    await server.close();
    return 0;
  } finally {
    await instance.dispose();
  }
}

/** Loads the code location once, so a broken file stops the command with its message at once. */
export async function checkedLocation(target: string): Promise<string> {
  const { loadCodeLocation } = await import('../../code-location/load-code-location.js');
  return (await loadCodeLocation(target)).path;
}
