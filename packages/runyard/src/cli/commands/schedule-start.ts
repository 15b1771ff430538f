import { loadCodeLocation } from '../../code-location/load-code-location.js';
import { definedSchedule, startSchedule } from '../../daemon/schedules/schedule-control.js';
import { type GlobalOptions, withInstance } from '../command-context.js';

/** `runyard schedule start <name> -f <file>`: the daemon's scheduler starts ticking it from now. */
export default async function scheduleStart(args: string[], opts: Record<string, unknown>, globals: GlobalOptions) {
  const name = String(args[0]);
  const location = await loadCodeLocation(String(opts.file));
  // Checked before the instance is opened: an unknown schedule must not create the home.
  definedSchedule(location, name);
  const { state, changed } = await withInstance(globals, (instance) => startSchedule(instance, location, name));
  process.stdout.write(
    changed
      ? `schedule '${name}' is RUNNING (from ${state.codeLocation}); \`runyard daemon\` creates its runs\n`
      : `schedule '${name}' was already RUNNING\n`,
  );
  return 0;
}
