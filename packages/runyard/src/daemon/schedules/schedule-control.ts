import type { CodeLocation } from '../../code-location/load-code-location.js';
import type { ScheduleCatchUp, ScheduleDefinition } from '../../definitions/schedule.js';
import { parseCron } from '../../definitions/schedule-cron.js';
import { RunyardError } from '../../errors.js';
import { formatErrorChain, toErrorInfo } from '../../events/error-info.js';
import type { Instance } from '../../instance/instance.js';
import type { ScheduleState, ScheduleStatus, TickRecord } from '../../storage/schedule-storage.js';

/*
 * Starting, stopping and listing schedules: what `runyard schedule …` and the UI's schedules page do. A
 * schedule's on/off state lives in storage under its name, with the code location it was started
 * from; the scheduler in `runyard daemon` acts on it.
 */

/**
 * The code location defines no schedule of that name; the message lists the ones it does. A user
 * error.
 */
export class ScheduleNotFoundError extends RunyardError {
  constructor(name: string, where: string, available: readonly string[]) {
    const list = available.length ? `; schedules there: ${available.join(', ')}` : '; it defines no schedules';
    super(`schedule '${name}' was not found in ${where}${list}`, { data: { name, available }, userError: true });
  }
}

/** The result of starting or stopping a schedule: its state now, and whether it changed. */
export interface ScheduleChange {
  readonly state: ScheduleState;
  /** False when the schedule already was as asked. */
  readonly changed: boolean;
}

/**
 * Turns the schedule on. Ticks count from `now`: a schedule that was stopped does not catch up on
 * the time it was off. Starting a running schedule from another code location moves it there.
 */
export async function startSchedule(
  instance: Instance,
  location: CodeLocation,
  name: string,
  now: number = Date.now(),
): Promise<ScheduleChange> {
  definedSchedule(location, name);
  const schedules = instance.storage.schedules;
  const current = await schedules.getScheduleState(name);
  if (current?.status === 'RUNNING' && current.lastTickAt !== undefined) {
    if (current.codeLocation === location.path) return { state: current, changed: false };
    const moved = await schedules.setScheduleState({ ...withoutUpdatedAt(current), codeLocation: location.path });
    return { state: moved, changed: true };
  }
  const state = await schedules.setScheduleState({
    name,
    status: 'RUNNING',
    lastTickAt: now,
    codeLocation: location.path,
  });
  return { state, changed: true };
}

/** Turns the schedule off; it keeps its ticks and where it was defined. */
export async function stopSchedule(instance: Instance, name: string, location?: CodeLocation): Promise<ScheduleChange> {
  const schedules = instance.storage.schedules;
  const current = await schedules.getScheduleState(name);
  if (!current) {
    if (location) definedSchedule(location, name);
    throw new RunyardError(`schedule '${name}' has never been started on this instance`, {
      data: { name },
      userError: true,
    });
  }
  if (current.status === 'STOPPED') return { state: current, changed: false };
  const state = await schedules.setScheduleState({ ...withoutUpdatedAt(current), status: 'STOPPED' });
  return { state, changed: true };
}

/** A schedule as `runyard schedule list` shows it: its state, next tick and last tick. */
export interface ScheduleListing {
  readonly name: string;
  readonly status: ScheduleStatus;
  /** Undefined when the code location could not be loaded or no longer defines the schedule. */
  readonly cron?: string;
  readonly timezone?: string;
  readonly job?: string;
  readonly catchUp?: ScheduleCatchUp;
  readonly description?: string;
  readonly codeLocation?: string;
  /** The next tick of a RUNNING schedule (ms since epoch). */
  readonly nextTickAt?: number;
  readonly lastTick?: TickRecord;
  /** Why the schedule's definition is missing. */
  readonly problem?: string;
}

/**
 * Every schedule `location` defines, with its state here; without a location, every schedule this
 * instance has a state for, each described by the code location it was started from.
 */
export async function listSchedules(
  instance: Instance,
  options: {
    readonly location?: CodeLocation;
    readonly loadCodeLocation?: (target: string) => Promise<CodeLocation>;
    readonly now?: number;
  } = {},
): Promise<ScheduleListing[]> {
  const now = options.now ?? Date.now();
  const storage = instance.storage.schedules;
  const states = new Map((await storage.listScheduleStates()).map((s) => [s.name, s]));
  const rows: { name: string; definition?: ScheduleDefinition; codeLocation?: string; problem?: string }[] = [];
  if (options.location) {
    const location = options.location;
    for (const definition of location.definitions.schedules.values())
      rows.push({ name: definition.name, definition, codeLocation: location.path });
  } else {
    const load = options.loadCodeLocation ?? defaultLoader;
    const loads = new Map<string, Promise<CodeLocation>>();
    for (const state of states.values()) {
      if (!state.codeLocation) {
        rows.push({ name: state.name, problem: 'no code location recorded' });
        continue;
      }
      let loading = loads.get(state.codeLocation);
      if (!loading) {
        loading = load(state.codeLocation);
        loads.set(state.codeLocation, loading);
      }
      try {
        const definition = (await loading).definitions.schedules.get(state.name);
        rows.push({
          name: state.name,
          definition,
          codeLocation: state.codeLocation,
          ...(definition ? {} : { problem: `${state.codeLocation} does not define it` }),
        });
      } catch (error) {
        rows.push({
          name: state.name,
          codeLocation: state.codeLocation,
          problem: `cannot load ${state.codeLocation}: ${formatErrorChain(toErrorInfo(error))}`,
        });
      }
    }
  }
  const listings: ScheduleListing[] = [];
  for (const row of rows.sort((a, b) => a.name.localeCompare(b.name))) {
    const state = states.get(row.name);
    const status = state?.status ?? 'STOPPED';
    const [lastTick] = await storage.listTicks(row.name, { limit: 1 });
    const def = row.definition;
    const nextTickAt =
      def && status === 'RUNNING'
        ? parseCron(def.cron, def.timezone).nextAfter(Math.max(now, state?.lastTickAt ?? now))
        : undefined;
    listings.push({
      name: row.name,
      status,
      ...(def
        ? {
            cron: def.cron,
            timezone: def.timezone,
            job: def.job.name,
            catchUp: def.catchUp ?? 'latest',
            ...(def.description ? { description: def.description } : {}),
          }
        : {}),
      ...(row.codeLocation ? { codeLocation: row.codeLocation } : {}),
      ...(nextTickAt !== undefined ? { nextTickAt } : {}),
      ...(lastTick ? { lastTick } : {}),
      ...(row.problem ? { problem: row.problem } : {}),
    });
  }
  return listings;
}

export function definedSchedule(location: CodeLocation, name: string): ScheduleDefinition {
  const definition = location.definitions.schedules.get(name);
  if (!definition) throw new ScheduleNotFoundError(name, location.target, [...location.definitions.schedules.keys()]);
  return definition;
}

function withoutUpdatedAt(state: ScheduleState): Omit<ScheduleState, 'updatedAt'> {
  const { updatedAt: _updatedAt, ...rest } = state;
  return rest;
}

async function defaultLoader(target: string): Promise<CodeLocation> {
  const { loadCodeLocation } = await import('../../code-location/load-code-location.js');
  return loadCodeLocation(target);
}
