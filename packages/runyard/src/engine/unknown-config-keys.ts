import type { z } from 'zod';

/*
 * A zod object strips keys it does not know, so a misspelt key in op config (`pathh:`) would be
 * dropped and the op would quietly run on its default. Dagster's config system refuses unknown
 * keys, and so does Runyard: this walks the value beside its schema and names every key that a
 * plain (stripping) object schema would drop. An op that wants extra keys says so in its schema
 * (`z.looseObject`, `.catchall(…)`), and a strict object is already refused by zod itself.
 */

interface SchemaDef {
  readonly type?: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly catchall?: z.ZodType;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly element?: z.ZodType;
  readonly valueType?: z.ZodType;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

/** Key paths (relative to `value`) of the keys that `schema` would silently drop. */
export function unknownConfigKeys(schema: z.ZodType, value: unknown, path: readonly (string | number)[] = []) {
  const found: (string | number)[][] = [];
  walk(schema, value, [...path], found);
  return found;
}

function walk(schema: z.ZodType, value: unknown, path: (string | number)[], found: (string | number)[][]): void {
  const def = (schema as { def?: SchemaDef }).def;
  if (!def?.type) return;
  const inner = WRAPPERS.has(def.type) ? def.innerType : def.type === 'pipe' ? def.in : undefined;
  if (inner) {
    walk(inner, value, path, found);
    return;
  }
  if (def.type === 'array' && def.element && Array.isArray(value)) {
    const element = def.element;
    value.forEach((item, i) => {
      walk(element, item, [...path, i], found);
    });
    return;
  }
  if (!isRecord(value)) return;
  if (def.type === 'record' && def.valueType) {
    for (const [key, item] of Object.entries(value)) walk(def.valueType, item, [...path, key], found);
    return;
  }
  if (def.type !== 'object' || !def.shape) return;
  for (const [key, item] of Object.entries(value)) {
    const field = def.shape[key];
    if (field) walk(field, item, [...path, key], found);
    else if (def.catchall) walk(def.catchall, item, [...path, key], found);
    else found.push([...path, key]);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
