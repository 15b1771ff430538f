import { DefinitionError } from '../errors.js';
import { DEFINITIONS_BRAND, hasBrand, JOB_BRAND, SCHEDULE_BRAND } from './brands.js';
import type { JobDefinition } from './job.js';
import type { ScheduleDefinition } from './schedule.js';

/** What `defineDefinitions()` takes: the jobs, and the schedules of those jobs. */
export interface DefinitionsSpec {
  readonly jobs?: readonly JobDefinition[];
  readonly schedules?: readonly ScheduleDefinition[];
  /**
   * The named launcher (runyard.yaml `runLaunchers`) this location's runs go to unless the job's or
   * the run's `runyard/launcher` tag says otherwise.
   */
  readonly defaultLauncher?: string;
}

/** What a code location's default export must be. */
export interface Definitions {
  readonly [DEFINITIONS_BRAND]: true;
  readonly jobs: ReadonlyMap<string, JobDefinition>;
  readonly schedules: ReadonlyMap<string, ScheduleDefinition>;
  readonly defaultLauncher?: string;
}

/** Each job's code-location default launcher, read when a run of it is created (launch/submit-run.ts). */
const defaultLaunchers = new WeakMap<JobDefinition, string>();

/** The `defaultLauncher` of the definitions that hold `job`, if they set one. */
export function codeLocationDefaultLauncher(job: JobDefinition): string | undefined {
  return defaultLaunchers.get(job);
}

/**
 * The default export of a code location:
 *
 *   export default defineDefinitions({ jobs: [hello], schedules: [nightly] });
 */
export function defineDefinitions(spec: DefinitionsSpec): Definitions {
  if (!spec || typeof spec !== 'object') throw new DefinitionError('defineDefinitions() needs { jobs, schedules }');
  for (const key of Object.keys(spec)) {
    if (key !== 'jobs' && key !== 'schedules' && key !== 'defaultLauncher')
      throw new DefinitionError(
        `defineDefinitions(): unknown key '${key}' (expected jobs, schedules, defaultLauncher)`,
      );
  }
  const { defaultLauncher } = spec;
  if (defaultLauncher !== undefined && (typeof defaultLauncher !== 'string' || defaultLauncher === ''))
    throw new DefinitionError('defineDefinitions(): defaultLauncher must be the name of a launcher in runyard.yaml');
  const jobs = new Map<string, JobDefinition>();
  const addJob = (job: JobDefinition) => {
    const existing = jobs.get(job.name);
    if (existing && existing !== job)
      throw new DefinitionError(`defineDefinitions(): two jobs are named '${job.name}'`);
    jobs.set(job.name, job);
  };
  for (const [i, job] of (spec.jobs ?? []).entries()) {
    if (!hasBrand(job, JOB_BRAND))
      throw new DefinitionError(`defineDefinitions(): jobs[${i}] is not a job defined with job({ … })`);
    addJob(job);
  }
  const schedules = new Map<string, ScheduleDefinition>();
  for (const [i, schedule] of (spec.schedules ?? []).entries()) {
    if (!hasBrand(schedule, SCHEDULE_BRAND))
      throw new DefinitionError(`defineDefinitions(): schedules[${i}] is not a schedule defined with schedule({ … })`);
    if (schedules.has(schedule.name))
      throw new DefinitionError(`defineDefinitions(): two schedules are named '${schedule.name}'`);
    // A job left out of `jobs` is a mistake (the Jobs page and `job list` would not show it).
    if (jobs.get(schedule.job.name) !== schedule.job)
      throw new DefinitionError(
        `defineDefinitions(): schedule '${schedule.name}' runs job '${schedule.job.name}', which is not in jobs; add it: jobs: [${[...jobs.keys(), schedule.job.name].join(', ')}]`,
      );
    schedules.set(schedule.name, schedule);
  }
  if (defaultLauncher !== undefined) for (const job of jobs.values()) defaultLaunchers.set(job, defaultLauncher);
  return Object.freeze({
    [DEFINITIONS_BRAND]: true as const,
    jobs,
    schedules,
    ...(defaultLauncher === undefined ? {} : { defaultLauncher }),
  });
}

/** True when `value` is what `defineDefinitions()` returns (from this or another copy of Runyard). */
export function isDefinitions(value: unknown): value is Definitions {
  return hasBrand(value, DEFINITIONS_BRAND);
}
