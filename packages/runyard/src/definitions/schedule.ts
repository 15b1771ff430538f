import { DefinitionError } from '../errors.js';
import { hasBrand, JOB_BRAND, SCHEDULE_BRAND } from './brands.js';
import type { JobDefinition } from './job.js';
import { validateName } from './op.js';
import { cronErrorReason, parseCron } from './schedule-cron.js';

/**
 * What the scheduler does with ticks it finds overdue by more than a minute (after the daemon was
 * down, or the code location failed to load): `latest` runs the most recent of them and records
 * the others SKIPPED; `all` runs every one; `none` runs none. See docs/schedules.md.
 */
export type ScheduleCatchUp = 'latest' | 'all' | 'none';

/**
 * What a schedule does about ticks it missed while the daemon was down: run the latest only, run all
 * of them, or none.
 */
export const SCHEDULE_CATCH_UP: readonly ScheduleCatchUp[] = ['latest', 'all', 'none'];

/** What a schedule's run config or tags function gets: the tick's scheduled time. */
export interface ScheduleEvaluationContext {
  /** The tick's scheduled time. */
  readonly scheduledTime: Date;
}

/**
 * What `schedule()` takes: name, cron, job, and optionally timezone, run config, tags, catch-up and
 * description.
 */
export interface ScheduleSpec {
  readonly name: string;
  /**
   * A five-field cron expression (`0 * * * *`), six fields with seconds first (`30 0 * * * *`),
   * or a nickname (`@hourly`), evaluated in `timezone`.
   */
  readonly cron: string;
  /** An IANA zone such as `Europe/Berlin`. Default UTC. */
  readonly timezone?: string;
  readonly job: JobDefinition;
  readonly description?: string;
  /** Run config for each tick's run, or a function of the tick that returns it. */
  readonly runConfig?:
    | Record<string, unknown>
    | ((ctx: ScheduleEvaluationContext) => Record<string, unknown> | Promise<Record<string, unknown>>);
  readonly tags?: Readonly<Record<string, string>>;
  /** Overdue ticks after downtime: run the latest (default), all, or none of them. */
  readonly catchUp?: ScheduleCatchUp;
}

/** A schedule as `schedule()` returns it. */
export interface ScheduleDefinition {
  readonly [SCHEDULE_BRAND]: true;
  readonly name: string;
  readonly cron: string;
  readonly timezone: string;
  readonly job: JobDefinition;
  readonly description?: string;
  readonly runConfig: NonNullable<ScheduleSpec['runConfig']>;
  readonly tags: Readonly<Record<string, string>>;
  readonly catchUp: ScheduleCatchUp;
}

/**
 * Defines a schedule: run `job` at each tick of `cron` (in `timezone`, default UTC), with run config
 * and tags (fixed, or computed per tick). List it, and its job, in `defineDefinitions()`.
 */
export function schedule(spec: ScheduleSpec): ScheduleDefinition {
  if (!spec || typeof spec !== 'object') throw new DefinitionError('schedule() needs a spec object');
  const name = validateName(spec.name, 'schedule');
  if (typeof spec.cron !== 'string' || spec.cron.trim() === '')
    throw new DefinitionError(
      `schedule '${name}': cron must be a cron expression such as '0 * * * *', got ${JSON.stringify(spec.cron)}`,
    );
  const cron = spec.cron.trim().split(/\s+/).join(' ');
  const timezone = spec.timezone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new DefinitionError(`schedule '${name}': unknown timezone ${JSON.stringify(timezone)}`);
  }
  let nextTick: number | undefined;
  try {
    nextTick = parseCron(cron, timezone).nextAfter(Date.now());
  } catch (error) {
    throw new DefinitionError(
      `schedule '${name}': cron must be a cron expression such as '0 * * * *' (minute hour day-of-month month day-of-week; six fields with seconds first; or '@hourly'), and '${cron}' is not: ${cronErrorReason(error)}`,
      { schedule: name, cron },
    );
  }
  if (nextTick === undefined)
    throw new DefinitionError(`schedule '${name}': cron '${cron}' never comes due`, { schedule: name, cron });
  const catchUp = spec.catchUp ?? 'latest';
  if (!SCHEDULE_CATCH_UP.includes(catchUp))
    throw new DefinitionError(
      `schedule '${name}': catchUp must be one of ${SCHEDULE_CATCH_UP.map((c) => `'${c}'`).join(', ')}, got ${JSON.stringify(spec.catchUp)}`,
    );
  if (spec.runConfig !== undefined && typeof spec.runConfig !== 'function' && !isPlainRecord(spec.runConfig))
    throw new DefinitionError(`schedule '${name}': runConfig must be an object or a function of the tick`);
  if (!hasBrand(spec.job, JOB_BRAND))
    throw new DefinitionError(`schedule '${name}': 'job' must be a job defined with job({ … })`);
  return Object.freeze({
    [SCHEDULE_BRAND]: true as const,
    name,
    cron,
    timezone,
    job: spec.job,
    description: spec.description,
    runConfig: spec.runConfig ?? {},
    tags: Object.freeze({ ...(spec.tags ?? {}) }),
    catchUp,
  });
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
