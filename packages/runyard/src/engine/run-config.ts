import type { z } from 'zod';
import type { JobDefinition } from '../definitions/job.js';
import { type ConfigIssue, InvalidConfigError } from '../errors.js';
import { unknownConfigKeys } from './unknown-config-keys.js';

/** Run config as written: `{ ops: { <step>: { config: … } } }`. */
export type RunConfig = Record<string, unknown>;

export interface ResolvedRunConfig {
  /** The run config as stored on the run: the job's defaults with the run's values on top. */
  readonly runConfig: RunConfig;
  /** Each step's config after its op's schema parsed it (defaults filled in). */
  readonly stepConfigs: ReadonlyMap<string, unknown>;
}

/**
 * Checks run config against the job's steps and their ops' config schemas, collecting every
 * problem (not just the first) with its key path, before any run is created.
 */
export function validateRunConfig(job: JobDefinition, runConfig: unknown = {}): ResolvedRunConfig {
  const issues: ConfigIssue[] = [];
  if (!isPlainObject(runConfig)) {
    throw new InvalidConfigError(`run config for job '${job.name}'`, [
      { path: '', message: `expected an object like { ops: { <step>: { config: … } } }, got ${typeName(runConfig)}` },
    ]);
  }
  const merged = deepMerge(job.defaultRunConfig, runConfig);
  for (const key of Object.keys(merged)) {
    if (key !== 'ops') issues.push({ path: key, message: `unknown key (run config has 'ops' only)` });
  }
  const ops = merged.ops ?? {};
  const stepConfigs = new Map<string, unknown>();
  if (!isPlainObject(ops)) {
    issues.push({ path: 'ops', message: `expected an object keyed by step name, got ${typeName(ops)}` });
  } else {
    for (const [stepKey, entry] of Object.entries(ops)) {
      if (!job.graph.steps.has(stepKey)) {
        issues.push({
          path: `ops.${stepKey}`,
          message: `job '${job.name}' has no step '${stepKey}' (steps: ${[...job.graph.steps.keys()].join(', ')})`,
        });
      } else if (!isPlainObject(entry)) {
        issues.push({ path: `ops.${stepKey}`, message: `expected { config: … }, got ${typeName(entry)}` });
      } else {
        for (const key of Object.keys(entry)) {
          if (key !== 'config')
            issues.push({ path: `ops.${stepKey}.${key}`, message: `unknown key (expected 'config')` });
        }
      }
    }
    for (const [stepKey, step] of job.graph.steps) {
      const entry = (ops as Record<string, unknown>)[stepKey];
      const value = isPlainObject(entry) ? entry.config : undefined;
      const path = `ops.${stepKey}.config`;
      const schema = step.op.configSchema;
      if (!schema) {
        if (value !== undefined) issues.push({ path, message: `op '${step.op.name}' takes no config` });
        continue;
      }
      const parsed = parseStepConfig(schema, value);
      const unknown = value === undefined ? [] : unknownConfigKeys(schema, value);
      for (const key of unknown)
        issues.push({ path: joinPath(path, key), message: unknownKeyMessage(schema, key, step.op.name) });
      if (parsed.success) stepConfigs.set(stepKey, parsed.data);
      else
        for (const issue of parsed.error.issues)
          issues.push({ path: joinPath(path, issue.path), message: issue.message });
    }
  }
  if (issues.length) throw new InvalidConfigError(`run config for job '${job.name}'`, issues);
  return { runConfig: merged, stepConfigs };
}

/** A step with no config given gets `{}` when its schema is an object, so field defaults apply. */
function parseStepConfig(schema: z.ZodType, value: unknown) {
  if (value !== undefined) return schema.safeParse(value);
  const direct = schema.safeParse(undefined);
  if (direct.success) return direct;
  const asObject = schema.safeParse({});
  return asObject.success || isObjectSchema(schema) ? asObject : direct;
}

/** Names the keys the op's schema does know at that level, so a misspelling is easy to see. */
function unknownKeyMessage(schema: z.ZodType, key: readonly (string | number)[], opName: string): string {
  const known = knownKeysAt(schema, key.slice(0, -1));
  const list = known.length ? `; known keys: ${known.join(', ')}` : '';
  return `unknown key (op '${opName}' would ignore it${list}; use z.looseObject() in its config schema to allow extra keys)`;
}

function knownKeysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let def = (schema as { def?: Record<string, any> }).def;
  for (let i = 0; def && i <= path.length; ) {
    if (def.innerType || def.in) def = (def.innerType ?? def.in).def;
    else if (def.type === 'array' && typeof path[i] === 'number') {
      def = def.element?.def;
      i++;
    } else if (def.type === 'record' && i < path.length) {
      def = def.valueType?.def;
      i++;
    } else if (def.type === 'object' && def.shape) {
      if (i === path.length) return Object.keys(def.shape);
      def = def.shape[path[i] as string]?.def;
      i++;
    } else return [];
  }
  return [];
}

function isObjectSchema(schema: z.ZodType): boolean {
  return (schema as { def?: { type?: string } }).def?.type === 'object';
}

function joinPath(base: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : `${acc}.${String(key)}`),
    base,
  );
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

/** Objects merge key by key; anything else in `over` replaces what is in `base`. */
export function deepMerge(
  base: Readonly<Record<string, unknown>>,
  over: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
  }
  return out;
}
