import { DefinitionError } from '../errors.js';

/*
 * A spec key that the definition does not know is a mistake that would pass silently: `output:`
 * for `out:` leaves the output unchecked, and nothing says so. These lists are the keys each
 * spec takes; a key added to OpSpec or JobSpec must be added here too (the typing test and
 * job.test.ts fail if a known key is refused).
 */

export const OP_SPEC_KEYS: readonly string[] = [
  'name',
  'description',
  'tags',
  'ins',
  'config',
  'out',
  'retryPolicy',
  'partialResults',
  'run',
];

export const JOB_SPEC_KEYS: readonly string[] = [
  'name',
  'description',
  'tags',
  'executor',
  'config',
  'graph',
  'steps',
  'maxMappedSteps',
];

/** The keys of a job's `executor`: a misspelt `maxStepsPerProces` would otherwise change nothing, silently. */
export const EXECUTOR_CONFIG_KEYS: readonly string[] = [
  'type',
  'maxConcurrent',
  'resourceLimits',
  'maxStepsPerProcess',
];

/** Throws a DefinitionError naming each key of `spec` that is not in `known`, and the keys that are. */
export function checkKnownKeys(spec: object, known: readonly string[], where: string): void {
  const unknown = Object.keys(spec).filter((key) => !known.includes(key));
  if (unknown.length === 0) return;
  const names = unknown.map((key) => `'${key}'`).join(', ');
  throw new DefinitionError(
    `${where}: unknown key${unknown.length > 1 ? 's' : ''} ${names} (known keys: ${known.join(', ')})`,
  );
}
