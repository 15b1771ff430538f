import { findRun, type GlobalOptions, withInstance } from '../command-context.js';
import { formatEvent } from '../event-printer.js';

export default async function runLogs(args: string[], opts: Record<string, unknown>, globals: GlobalOptions) {
  const json = Boolean(opts.json);
  await withInstance(globals, async (instance) => {
    const run = await findRun(instance, String(args[0]));
    for (const event of await instance.storage.events.getEvents(run.runId))
      process.stdout.write(`${formatEvent(event, { json })}\n`);
  });
  return 0;
}
