import type { CodeLocation } from '../../code-location/load-code-location.js';
import type { ScheduleDefinition } from '../../definitions/schedule.js';
import { type CronSchedule, parseCron } from '../../definitions/schedule-cron.js';
import { type ErrorInfo, toErrorInfo } from '../../events/error-info.js';
import type { Instance } from '../../instance/instance.js';
import { ensureSubmitted, submitDerivedRun } from '../../launch/submit-derived-run.js';
import { newRunForJob } from '../../launch/submit-run.js';
import type { ScheduleState, TickRecord, TickStatus } from '../../storage/schedule-storage.js';
import { DEFAULT_MAX_TICKS_PER_PASS, DEFAULT_MISSED_TICK_GRACE_MS, type PlannedTick, planTicks } from './plan-ticks.js';
import { SCHEDULE_NAME_TAG, scheduleTickRunId, TICK_AT_TAG } from './schedule-tags.js';

export interface SchedulerOptions {
  /** The clock; tests move it by hand. Default `Date.now`. */
  readonly now?: () => number;
  /** How late a tick may be and still count as on time. Default 60 s. */
  readonly missedTickGraceMs?: number;
  /** At most this many ticks per schedule per pass. Default 100. */
  readonly maxTicksPerPass?: number;
  /** A code location is loaded again at least this often, and whenever a tick comes due. Default 60 s. */
  readonly reloadIntervalMs?: number;
  /** Default: `loadCodeLocation` from the current directory. */
  readonly loadCodeLocation?: (target: string) => Promise<CodeLocation>;
  readonly log?: (message: string) => void;
}

/** What a pass did with one tick. */
export interface TickOutcome {
  readonly scheduleName: string;
  readonly tickAt: number;
  readonly status: TickStatus;
  readonly runIds: readonly string[];
  /** False when the tick had been decided before (by another daemon, or before a crash). */
  readonly decidedNow: boolean;
}

const FAILED_LOAD_RETRY_MS = 5_000;

interface LocationEntry {
  /** When the latest attempt to load it was made (by the scheduler's clock). */
  loadedAt: number;
  /** The latest load that worked: the scheduler keeps using its crons while a later load fails. */
  lastGood?: CodeLocation;
  /** Why the latest attempt failed; cleared by a load that works. */
  error?: unknown;
}

/**
 * Evaluates every RUNNING schedule: finds its due ticks since `lastTickAt`, records each one once
 * (a tick is unique per schedule and time in storage), submits one run per tick under an id
 * derived from the schedule and the tick, and advances `lastTickAt`. Every step can be repeated by
 * a second daemon or after a crash without making a second run.
 */
export class Scheduler {
  readonly #instance: Instance;
  readonly #now: () => number;
  readonly #graceMs: number;
  readonly #maxTicks: number;
  readonly #reloadMs: number;
  readonly #load: (target: string) => Promise<CodeLocation>;
  readonly #log: (message: string) => void;
  readonly #locations = new Map<string, LocationEntry>();
  readonly #crons = new Map<string, CronSchedule>();
  /** Problems already logged, so a daemon does not repeat one every second. */
  readonly #reported = new Map<string, string>();

  constructor(instance: Instance, options: SchedulerOptions = {}) {
    this.#instance = instance;
    this.#now = options.now ?? Date.now;
    this.#graceMs = options.missedTickGraceMs ?? DEFAULT_MISSED_TICK_GRACE_MS;
    this.#maxTicks = options.maxTicksPerPass ?? DEFAULT_MAX_TICKS_PER_PASS;
    this.#reloadMs = options.reloadIntervalMs ?? 60_000;
    this.#load =
      options.loadCodeLocation ??
      (async (target) => (await import('../../code-location/load-code-location.js')).loadCodeLocation(target));
    this.#log = options.log ?? (() => undefined);
  }

  /** One pass over every running schedule. Returns what it did with each tick it looked at. */
  async evaluate(signal?: AbortSignal): Promise<TickOutcome[]> {
    const states = await this.#instance.storage.schedules.listScheduleStates();
    const running = states.filter((s) => s.status === 'RUNNING');
    const outcomes: TickOutcome[] = [];
    const loadedThisPass = new Set<string>();
    const failures: unknown[] = [];
    for (const state of running) {
      if (signal?.aborted) break;
      try {
        outcomes.push(...(await this.#evaluateSchedule(state, loadedThisPass, signal)));
      } catch (error) {
        failures.push(error);
      }
    }
    for (const name of this.#reported.keys()) if (!running.some((s) => name === s.name)) this.#reported.delete(name);
    // One schedule's trouble does not hold up the others; the pass still reports it.
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `${failures.length} schedules could not be evaluated`);
    return outcomes;
  }

  async #evaluateSchedule(
    state: ScheduleState,
    loadedThisPass: Set<string>,
    signal?: AbortSignal,
  ): Promise<TickOutcome[]> {
    const storage = this.#instance.storage.schedules;
    const name = state.name;
    if (!state.codeLocation) {
      this.#reportOnce(name, `schedule '${name}' is RUNNING but has no code location; start it again with -f <file>`);
      return [];
    }
    const now = this.#now();
    if (state.lastTickAt === undefined) {
      // Running without a cursor (set by hand): ticks count from now on.
      await storage.advanceLastTickAt(name, now);
      return [];
    }
    const { definition, loadError } = await this.#definition(
      state.codeLocation,
      name,
      state.lastTickAt,
      now,
      loadedThisPass,
    );
    if (!definition) return [];

    const plan = planTicks({
      cron: this.#cron(definition),
      after: state.lastTickAt,
      now,
      catchUp: definition.catchUp ?? 'latest',
      graceMs: this.#graceMs,
      maxTicks: this.#maxTicks,
    });
    if (plan.olderMissedLeftOut && plan.ticks[0])
      this.#log(
        `schedule '${name}': ticks missed before ${new Date(plan.ticks[0].tickAt).toISOString()} are not recorded one by one`,
      );
    const outcomes: TickOutcome[] = [];
    for (const planned of plan.ticks) {
      if (signal?.aborted) break;
      if (planned.action === 'run') {
        // Stopped since the pass began: no more runs for it.
        const current = await storage.getScheduleState(name);
        if (current?.status !== 'RUNNING' || (current.lastTickAt ?? 0) > planned.tickAt) break;
      }
      const outcome = await this.#tick(state.codeLocation, definition, planned, loadError);
      outcomes.push(outcome);
      if (outcome.decidedNow)
        this.#log(
          `schedule '${name}' tick ${new Date(planned.tickAt).toISOString()}: ${outcome.status}${outcome.runIds.length ? ` (run ${outcome.runIds.join(', ')})` : ''}`,
        );
      const advanced = await storage.advanceLastTickAt(name, planned.tickAt);
      // Stopped, or restarted with a later cursor, meanwhile: the next pass starts from the new state.
      if (
        !advanced.advanced &&
        (advanced.state?.status !== 'RUNNING' || (advanced.state.lastTickAt ?? 0) > planned.tickAt)
      )
        break;
    }
    return outcomes;
  }

  /** Records one tick, exactly once however many schedulers get here. */
  async #tick(
    codeLocation: string,
    definition: ScheduleDefinition,
    planned: PlannedTick,
    loadError: unknown,
  ): Promise<TickOutcome> {
    const storage = this.#instance.storage.schedules;
    const scheduleName = definition.name;
    const { tick, created } = await storage.createTick({ scheduleName, tickAt: planned.tickAt });
    // Decided before: by another daemon, or by this one before it crashed.
    if (tick.status !== 'STARTED') return outcomeOf(tick, false);
    if (!created) {
      // Left half done by a daemon that died after creating the run: that run is the tick's,
      // whatever the plan says now (the tick may count as missed by the time we get back to it).
      const existing = await this.#instance.storage.runs.getRun(scheduleTickRunId(scheduleName, planned.tickAt));
      if (existing) {
        await ensureSubmitted(this.#instance, existing);
        const done = await storage.updateTick(tick.id, { status: 'SUCCESS', runIds: [existing.runId] });
        return outcomeOf(done ?? tick, true);
      }
    }
    if (planned.action === 'skip') {
      const skipped = await storage.updateTick(tick.id, { status: 'SKIPPED', skipReason: planned.reason ?? 'skipped' });
      return outcomeOf(skipped ?? tick, true);
    }
    // Another scheduler may be on this tick right now: the derived run id makes the second
    // submission find the first one's run rather than make another.
    try {
      if (loadError) throw new Error(`could not load code location ${codeLocation}: ${errorText(loadError)}`);
      const runId = await this.#submit(codeLocation, definition, planned.tickAt);
      const done = await storage.updateTick(tick.id, { status: 'SUCCESS', runIds: [runId] });
      return outcomeOf(done ?? tick, true);
    } catch (error) {
      const failed = await storage.updateTick(tick.id, { status: 'FAILURE', error: errorText(error) });
      return outcomeOf(failed ?? tick, true);
    }
  }

  async #submit(codeLocation: string, definition: ScheduleDefinition, tickAt: number): Promise<string> {
    const scheduledTime = new Date(tickAt);
    const runConfig =
      typeof definition.runConfig === 'function' ? await definition.runConfig({ scheduledTime }) : definition.runConfig;
    if (typeof runConfig !== 'object' || runConfig === null || Array.isArray(runConfig))
      throw new Error(
        `schedule '${definition.name}': runConfig returned ${JSON.stringify(runConfig)}, expected an object`,
      );
    const runId = scheduleTickRunId(definition.name, tickAt);
    const newRun = newRunForJob({
      job: definition.job,
      codeLocation,
      source: 'schedule',
      runConfig,
      tags: { ...definition.tags, [SCHEDULE_NAME_TAG]: definition.name, [TICK_AT_TAG]: scheduledTime.toISOString() },
      runId,
    });
    const { run } = await submitDerivedRun(this.#instance, { ...newRun, runId });
    return run.runId;
  }

  /**
   * The schedule as its code location defines it now. The location is loaded again when a tick is
   * due that came after the last load (so each tick sees the code as it is at that time), and at
   * least every `reloadIntervalMs`; while a load fails, the last good one supplies the cron, and
   * the ticks that come due are recorded FAILURE with the load error.
   */
  async #definition(
    target: string,
    name: string,
    lastTickAt: number,
    now: number,
    loadedThisPass: Set<string>,
  ): Promise<{ definition?: ScheduleDefinition; loadError?: unknown }> {
    let entry = this.#locations.get(target);
    const cached = entry?.lastGood?.definitions.schedules.get(name);
    const nextDue = cached ? this.#cron(cached).nextAfter(lastTickAt) : undefined;
    const stale =
      !entry ||
      now - entry.loadedAt >= this.#reloadMs ||
      !cached ||
      (nextDue !== undefined && nextDue <= now && entry.loadedAt < nextDue);
    // A location that fails to load is not compiled again every second: its ticks meanwhile fail with its error.
    const backingOff = entry?.error !== undefined && now - entry.loadedAt < FAILED_LOAD_RETRY_MS;
    if (stale && !backingOff && !loadedThisPass.has(target)) {
      loadedThisPass.add(target);
      entry ??= { loadedAt: now };
      entry.loadedAt = now;
      try {
        entry.lastGood = await this.#load(target);
        entry.error = undefined;
      } catch (error) {
        entry.error = error;
      }
      this.#locations.set(target, entry);
    }
    const definition = entry?.lastGood?.definitions.schedules.get(name);
    if (!definition) {
      if (entry?.error)
        throw new Error(`schedule '${name}': cannot load code location ${target}: ${errorText(entry.error)}`);
      this.#reportOnce(name, `schedule '${name}' is RUNNING but ${target} does not define it (any more)`);
      return {};
    }
    this.#reported.delete(name);
    return { definition, loadError: entry?.error };
  }

  #cron(definition: ScheduleDefinition): CronSchedule {
    const key = `${definition.timezone} ${definition.cron}`;
    let cron = this.#crons.get(key);
    if (!cron) {
      cron = parseCron(definition.cron, definition.timezone);
      this.#crons.set(key, cron);
    }
    return cron;
  }

  #reportOnce(name: string, message: string): void {
    if (this.#reported.get(name) === message) return;
    this.#reported.set(name, message);
    this.#log(message);
  }
}

function outcomeOf(tick: TickRecord, decidedNow: boolean): TickOutcome {
  return { scheduleName: tick.scheduleName, tickAt: tick.tickAt, status: tick.status, runIds: tick.runIds, decidedNow };
}

/** The error and its causes on one line; a plain Error's name is left out, as it says nothing. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let info: ErrorInfo | undefined = toErrorInfo(error); info; info = info.cause)
    parts.push(info.name === 'Error' ? info.message : `${info.name}: ${info.message}`);
  return parts.join(' ← caused by ');
}
