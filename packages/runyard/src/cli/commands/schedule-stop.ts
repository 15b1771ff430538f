import { loadCodeLocation } from '../../code-location/load-code-location.js';
import { stopSchedule } from '../../daemon/schedules/schedule-control.js';
import { type GlobalOptions, withInstance } from '../command-context.js';

/** `runyard schedule stop <name> [-f <file>]`: no more ticks; its past ticks and runs stay. */
export default async function scheduleStop(args: string[], opts: Record<string, unknown>, globals: GlobalOptions) {
  const name = String(args[0]);
  const location = opts.file ? await loadCodeLocation(String(opts.file)) : undefined;
  const { changed } = await withInstance(globals, (instance) => stopSchedule(instance, name, location));
  process.stdout.write(changed ? `schedule '${name}' is STOPPED\n` : `schedule '${name}' was already STOPPED\n`);
  return 0;
}
