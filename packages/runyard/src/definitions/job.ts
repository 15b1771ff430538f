import { DefinitionError } from '../errors.js';
import { JOB_BRAND } from './brands.js';
import { type InputSource, type RawStep, recordGraph } from './graph-builder.js';
import { buildJobGraph, type JobGraph } from './job-graph.js';
import { checkKnownKeys, EXECUTOR_CONFIG_KEYS, JOB_SPEC_KEYS } from './known-keys.js';
import type { MapScope } from './map-scope.js';
import { validateName } from './op.js';
import { PLUGIN_EXECUTORS, type PluginExecutorType } from './plugin-executors.js';
import { type ThreadResourceLimits, validateThreadResourceLimits } from './thread-resource-limits.js';

/** Where a run worker runs the job's steps. */
export interface ExecutorConfig {
  /**
   * `in_process` (default): steps as async functions in the run worker; `threads`: a pool of
   * worker threads that each load the job once; `multiprocess`: a child process per step; a
   * plug-in's type (`queue`: steps on worker pools, from @runyard/queue), whose package the run
   * worker imports when a job names it. docs/executors.md says which to choose.
   */
  readonly type: 'in_process' | 'threads' | 'multiprocess' | PluginExecutorType;
  /** How many steps may run at once. Default: 8 in process, the number of CPUs for threads and multiprocess. */
  readonly maxConcurrent?: number;
  /** `threads` only: each step thread's heap and stack limits. */
  readonly resourceLimits?: ThreadResourceLimits;
  /**
   * multiprocess only: how many steps of a run one step process may run, one after another,
   * before it exits. Default 1 (a fresh process per step attempt). More skips the start-up of a
   * process for all but the first, but those steps share the process's module-level state
   * (docs/performance.md).
   */
  readonly maxStepsPerProcess?: number;
}

/** A step written out by name, for jobs built from data rather than a graph function. */
export interface StepSpec {
  readonly op: unknown;
  /** Input name → the upstream step whose output it takes (or a list of them, for fan-in). */
  readonly inputs?: Readonly<Record<string, string | readonly string[]>>;
}

interface JobSpecBase {
  readonly name: string;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly executor?: ExecutorConfig;
  /** Run config used under whatever a run passes (the run's values win). */
  readonly config?: Record<string, unknown>;
  /**
   * The most mapped steps (steps made by map(), one per item) a run may make; a list that would
   * go past it fails the step that returned it, with the count and this limit. Default 10,000.
   */
  readonly maxMappedSteps?: number;
}

/**
 * What `job()` takes: a name, and either `graph` (a function that calls ops) or `steps` (steps written
 * out by name); optionally a description, tags, an executor and default run config (`config`).
 */
export type JobSpec =
  | (JobSpecBase & {
      /** Calls ops with each other's outputs; the compiler checks that the types fit. */
      readonly graph: () => void;
      readonly steps?: never;
    })
  | (JobSpecBase & { readonly steps: Readonly<Record<string, StepSpec>>; readonly graph?: never });

/** A job as `job()` returns it: its name, tags, executor, default run config and its graph of steps. */
export interface JobDefinition {
  readonly [JOB_BRAND]: true;
  readonly name: string;
  readonly description?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly executor: ExecutorConfig;
  readonly defaultRunConfig: Readonly<Record<string, unknown>>;
  readonly graph: JobGraph;
  /** See JobSpec.maxMappedSteps. */
  readonly maxMappedSteps: number;
}

/** How many mapped steps one run may plan unless the job sets `maxMappedSteps`. */
export const DEFAULT_MAX_MAPPED_STEPS = 10_000;

/**
 * Defines a job, a DAG of ops. Mistakes in the graph (a cycle, an unconnected input, two steps
 * with one name, something that is not an op) throw here, when the code location loads.
 *
 *   export const hello = job({ name: 'hello', graph: () => { shout({ text: greet({ name: fetchName() }) }); } });
 */
export function job(spec: JobSpec): JobDefinition {
  if (!spec || typeof spec !== 'object') throw new DefinitionError('job() needs a spec object');
  const name = validateName(spec.name, 'job');
  checkKnownKeys(spec, JOB_SPEC_KEYS, `job '${name}'`);
  let raw: RawStep[];
  let scopes: MapScope[] = [];
  if (typeof spec.graph === 'function' && spec.steps === undefined)
    ({ steps: raw, scopes } = recordGraph(name, spec.graph));
  else if (spec.graph === undefined && spec.steps && typeof spec.steps === 'object')
    raw = stepsFromSpec(name, spec.steps);
  else
    throw new DefinitionError(
      `job '${name}': give either 'graph' (a function) or 'steps' (an object), not both or neither`,
    );
  for (const step of raw) validateName(step.key, `job '${name}': step`);

  const executor = validateExecutor(name, spec.executor ?? { type: 'in_process' });
  const maxMappedSteps = spec.maxMappedSteps ?? DEFAULT_MAX_MAPPED_STEPS;
  if (!Number.isInteger(maxMappedSteps) || maxMappedSteps < 0)
    throw new DefinitionError(
      `job '${name}': maxMappedSteps must be a whole number ≥ 0, got ${String(spec.maxMappedSteps)}`,
    );
  return Object.freeze({
    [JOB_BRAND]: true as const,
    name,
    description: spec.description,
    tags: Object.freeze({ ...validateTags(name, spec.tags ?? {}) }),
    executor,
    defaultRunConfig: Object.freeze({ ...(spec.config ?? {}) }),
    graph: buildJobGraph(name, raw, scopes),
    maxMappedSteps,
  });
}

function stepsFromSpec(jobName: string, steps: Readonly<Record<string, StepSpec>>): RawStep[] {
  return Object.entries(steps).map(([key, step]) => {
    if (!step || typeof step !== 'object')
      throw new DefinitionError(`job '${jobName}', step '${key}': expected { op, inputs? }`);
    const inputs: Record<string, InputSource> = {};
    for (const [input, from] of Object.entries(step.inputs ?? {})) {
      if (typeof from === 'string') inputs[input] = { kind: 'single', from };
      else if (Array.isArray(from) && from.every((f) => typeof f === 'string')) inputs[input] = { kind: 'many', from };
      else
        throw new DefinitionError(
          `job '${jobName}', step '${key}': input '${input}' must name an upstream step (or a list of them)`,
        );
    }
    return { key, op: step.op, inputs };
  });
}

function validateExecutor(jobName: string, executor: ExecutorConfig): ExecutorConfig {
  if (!executor || typeof executor !== 'object')
    throw new DefinitionError(`job '${jobName}': executor must be an object such as { type: 'multiprocess' }`);
  checkKnownKeys(executor, EXECUTOR_CONFIG_KEYS, `job '${jobName}': executor`);
  const types = ['in_process', 'threads', 'multiprocess', ...Object.keys(PLUGIN_EXECUTORS)];
  if (!types.includes(executor.type))
    throw new DefinitionError(
      `job '${jobName}': executor.type must be one of ${types.map((t) => `'${t}'`).join(', ')}, got ${JSON.stringify(executor.type)}`,
    );
  if (executor.resourceLimits !== undefined) {
    if (executor.type !== 'threads')
      throw new DefinitionError(
        `job '${jobName}': executor.resourceLimits applies to the 'threads' executor only, not '${executor.type}'`,
      );
    executor = { ...executor, resourceLimits: validateThreadResourceLimits(jobName, executor.resourceLimits) };
  }
  if (
    executor.maxConcurrent !== undefined &&
    !(Number.isInteger(executor.maxConcurrent) && executor.maxConcurrent >= 1)
  )
    throw new DefinitionError(
      `job '${jobName}': executor.maxConcurrent must be a whole number ≥ 1, got ${String(executor.maxConcurrent)}`,
    );
  if (executor.maxStepsPerProcess !== undefined) {
    if (executor.type !== 'multiprocess')
      throw new DefinitionError(
        `job '${jobName}': executor.maxStepsPerProcess is for the multiprocess executor, not '${executor.type}'`,
      );
    if (!(Number.isInteger(executor.maxStepsPerProcess) && executor.maxStepsPerProcess >= 1))
      throw new DefinitionError(
        `job '${jobName}': executor.maxStepsPerProcess must be a whole number ≥ 1, got ${String(executor.maxStepsPerProcess)}`,
      );
  }
  return Object.freeze({ ...executor });
}

export function validateTags(owner: string, tags: Readonly<Record<string, unknown>>): Record<string, string> {
  for (const [key, value] of Object.entries(tags)) {
    if (typeof value !== 'string')
      throw new DefinitionError(`${owner}: tag '${key}' must be a string, got ${typeof value}`);
  }
  return tags as Record<string, string>;
}
