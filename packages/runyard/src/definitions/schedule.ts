import { DefinitionError } from '../errors.js';
import { hasBrand, JOB_BRAND, SCHEDULE_BRAND } from './brands.js';
import type { JobDefinition } from './job.js';
import { validateName } from './op.js';

export interface ScheduleEvaluationContext {
  /** The tick's scheduled time. */
  readonly scheduledTime: Date;
}

export interface ScheduleSpec {
  readonly name: string;
  /** A five-field cron expression (`0 * * * *`), evaluated in `timezone`. */
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
}

export interface ScheduleDefinition {
  readonly [SCHEDULE_BRAND]: true;
  readonly name: string;
  readonly cron: string;
  readonly timezone: string;
  readonly job: JobDefinition;
  readonly description?: string;
  readonly runConfig: NonNullable<ScheduleSpec['runConfig']>;
  readonly tags: Readonly<Record<string, string>>;
}

export function schedule(spec: ScheduleSpec): ScheduleDefinition {
  if (!spec || typeof spec !== 'object') throw new DefinitionError('schedule() needs a spec object');
  const name = validateName(spec.name, 'schedule');
  if (typeof spec.cron !== 'string' || spec.cron.trim().split(/\s+/).length < 5)
    throw new DefinitionError(
      `schedule '${name}': cron must be a cron expression such as '0 * * * *', got ${JSON.stringify(spec.cron)}`,
    );
  const timezone = spec.timezone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new DefinitionError(`schedule '${name}': unknown timezone ${JSON.stringify(timezone)}`);
  }
  if (!hasBrand(spec.job, JOB_BRAND))
    throw new DefinitionError(`schedule '${name}': 'job' must be a job defined with job({ … })`);
  return Object.freeze({
    [SCHEDULE_BRAND]: true as const,
    name,
    cron: spec.cron.trim(),
    timezone,
    job: spec.job,
    description: spec.description,
    runConfig: spec.runConfig ?? {},
    tags: Object.freeze({ ...(spec.tags ?? {}) }),
  });
}
