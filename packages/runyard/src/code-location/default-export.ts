import { hasBrand, JOB_BRAND, OP_BRAND, SCHEDULE_BRAND } from '../definitions/brands.js';
import { type Definitions, isDefinitions } from '../definitions/definitions.js';
import { CodeLocationError } from '../errors.js';

const EXAMPLE = 'export default defineDefinitions({ jobs: [...] })';

/**
 * The Definitions a code location's module exports by default, or an error that says what the
 * default export is instead and what was probably meant.
 *
 * @param where the file as the user knows it, for messages
 * @param file the absolute path, for the error's data
 */
export function definitionsFromModule(
  namespace: Readonly<Record<string, unknown>>,
  where: string,
  file: string,
): Definitions {
  if (!('default' in namespace)) throw new CodeLocationError(noDefaultExportMessage(namespace, where), { file });
  const value = namespace.default;
  if (isDefinitions(value)) return value;
  // CommonJS compiled from TypeScript: `exports.default = …` arrives as `default.default`.
  if (isObject(value) && value.__esModule === true && isDefinitions(value.default)) return value.default;
  throw new CodeLocationError(
    `${where}: the default export is ${describeValue(value)}, not definitions; ${hintFor(value)}`,
    {
      file,
    },
  );
}

function noDefaultExportMessage(namespace: Readonly<Record<string, unknown>>, where: string): string {
  const names = Object.keys(namespace);
  const named = names.find((name) => isDefinitions(namespace[name]));
  if (named)
    return `${where} has no default export; its definitions are exported as '${named}': export default ${named}`;
  const exported = names.length ? ` (it exports ${list(names)})` : '';
  return `${where} has no default export${exported}; ${EXAMPLE}`;
}

/** What a value is, in words: `the job 'hello'`, `a plain object with keys a, b`, `a function (main)`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (hasBrand(value, JOB_BRAND)) return `the job '${nameOf(value)}'`;
  if (hasBrand(value, OP_BRAND)) return `the op '${nameOf(value)}'`;
  if (hasBrand(value, SCHEDULE_BRAND)) return `the schedule '${nameOf(value)}'`;
  if (typeof value === 'function') return value.name ? `a function (${value.name})` : 'an anonymous function';
  if (typeof value === 'string')
    return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  if (typeof value !== 'object') return `the ${typeof value} ${String(value)}`;
  if (typeof (value as { then?: unknown }).then === 'function') return 'a promise';
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  const prototype = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  if (prototype === null || prototype === Object.prototype) {
    const keys = Object.keys(value);
    return keys.length ? `a plain object with keys ${list(keys)}` : 'an empty object';
  }
  return `an instance of ${prototype.constructor?.name || 'a class'}`;
}

function hintFor(value: unknown): string {
  if (hasBrand(value, JOB_BRAND)) return `did you mean defineDefinitions({ jobs: [${nameOf(value)}] })?`;
  if (hasBrand(value, SCHEDULE_BRAND)) return `did you mean defineDefinitions({ schedules: [${nameOf(value)}] })?`;
  if (hasBrand(value, OP_BRAND)) return `an op runs inside a job: put it in a job and ${EXAMPLE}`;
  if (typeof value === 'function' && value.name === 'defineDefinitions') return `call it: ${EXAMPLE}`;
  if (isObject(value) && typeof value.then === 'function')
    return `await it before exporting (top-level await works in ES modules), or ${EXAMPLE}`;
  if (Array.isArray(value) && value.length > 0 && value.every((item) => hasBrand(item, JOB_BRAND)))
    return `did you mean defineDefinitions({ jobs: [${value.map(nameOf).join(', ')}] })?`;
  if (isObject(value) && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype) {
    const keys = Object.keys(value);
    if (keys.length > 0 && keys.every((key) => key === 'jobs' || key === 'schedules'))
      return `pass it through defineDefinitions: export default defineDefinitions({ ${keys.join(', ')} })`;
  }
  return EXAMPLE;
}

function nameOf(value: unknown): string {
  return String((value as { name?: unknown }).name);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function list(names: readonly string[]): string {
  return names.length > 8 ? `${names.slice(0, 8).join(', ')} …` : names.join(', ');
}
