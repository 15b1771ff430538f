/**
 * Config key completion for the Launchpad: which keys may be written on the line under the cursor,
 * from the job's steps and each op's config schema (JSON Schema, as /api/jobs gives it), with their
 * types and defaults. Run config is `ops: { <step>: { config: { … } } }`, so the path to the line is
 * read from the indentation of the lines above it, the way YAML nests.
 */

export interface KeySuggestion {
  readonly key: string;
  /** `integer`, `string`, `object` …; `step` for a step of the job. */
  readonly type: string;
  /** The default as YAML would write it, when the schema has one. */
  readonly defaultValue?: string;
  readonly required: boolean;
  readonly description?: string;
}

export interface CompletionContext {
  /** The key path of the mapping the line belongs to, e.g. `['ops', 'extract', 'config']`. */
  readonly path: readonly string[];
  /** What is typed on the line so far (before a colon): suggestions start with it. */
  readonly prefix: string;
  /** Start and end offsets of the current line in the text. */
  readonly lineStart: number;
  readonly lineEnd: number;
  readonly indent: string;
  readonly suggestions: readonly KeySuggestion[];
}

interface StepSchemas {
  readonly key: string;
  readonly op: string;
  readonly description?: string;
  readonly configSchema?: unknown;
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
  description?: string;
  anyOf?: JsonSchema[];
  enum?: unknown[];
}

export function completionAt(text: string, offset: number, steps: readonly StepSchemas[]): CompletionContext {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const nextBreak = text.indexOf('\n', offset);
  const lineEnd = nextBreak === -1 ? text.length : nextBreak;
  const line = text.slice(lineStart, lineEnd);
  const indent = /^ */.exec(line)?.[0] ?? '';
  const typed = line.slice(indent.length, offset - lineStart);
  const prefix = typed.includes(':') ? '' : typed.trim();
  const { path, siblings } = pathAt(text.slice(0, lineStart).split('\n').slice(0, -1), indent.length);
  const all = suggestionsFor(path, steps);
  const present = new Set([...siblings, ...keysBelow(text.slice(lineEnd + 1).split('\n'), indent.length)]);
  const suggestions = typed.includes(':')
    ? []
    : all.filter((s) => s.key.startsWith(prefix) && !(present.has(s.key) && s.key !== prefix));
  return { path, prefix, lineStart, lineEnd, indent, suggestions };
}

/** The keys of the mappings that enclose a line at `indent`, and the keys already written beside it. */
function pathAt(above: readonly string[], indent: number) {
  const path: string[] = [];
  const siblings: string[] = [];
  let level = indent;
  for (let i = above.length - 1; i >= 0; i--) {
    const line = above[i]!;
    if (!line.trim() || line.trim().startsWith('#')) continue;
    const own = /^ */.exec(line)![0].length;
    const key = /^\s*([^:#\s][^:#]*?)\s*:/.exec(line)?.[1];
    if (own === level && key && path.length === 0) siblings.push(key);
    if (own < level && key) {
      path.unshift(key);
      level = own;
    }
    if (own === 0 && own < indent && key) break;
  }
  return { path, siblings };
}

/** Keys written after the line at the same indentation, until the mapping ends. */
function keysBelow(below: readonly string[], indent: number): string[] {
  const keys: string[] = [];
  for (const line of below) {
    if (!line.trim()) continue;
    const own = /^ */.exec(line)![0].length;
    if (own < indent) break;
    const key = /^\s*([^:#\s][^:#]*?)\s*:/.exec(line)?.[1];
    if (own === indent && key) keys.push(key);
  }
  return keys;
}

function suggestionsFor(path: readonly string[], steps: readonly StepSchemas[]): KeySuggestion[] {
  if (path.length === 0) return [{ key: 'ops', type: 'object', required: false, description: 'config by step' }];
  if (path[0] !== 'ops') return [];
  if (path.length === 1)
    return steps
      .filter((s) => s.configSchema)
      .map((s) => ({
        key: s.key,
        type: 'step',
        required: false,
        description: s.description ?? `op ${s.op}`,
      }));
  const step = steps.find((s) => s.key === path[1]);
  if (!step?.configSchema) return [];
  if (path.length === 2)
    return [{ key: 'config', type: 'object', required: false, description: `config of ${step.op}` }];
  if (path[2] !== 'config') return [];
  let schema = objectSchema(step.configSchema as JsonSchema);
  for (const key of path.slice(3)) schema = objectSchema(schema?.properties?.[key]);
  if (!schema?.properties) return [];
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([key, field]) => ({
    key,
    type: typeOf(field),
    required: required.has(key),
    ...(field.default !== undefined ? { defaultValue: yamlScalar(field.default) } : {}),
    ...(field.description ? { description: field.description } : {}),
  }));
}

/** An object schema, looking through `anyOf` (an optional or nullable field). */
function objectSchema(schema: JsonSchema | undefined): JsonSchema | undefined {
  if (!schema) return undefined;
  if (schema.properties) return schema;
  return schema.anyOf?.find((s) => s.properties);
}

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  if (schema.type) return schema.type;
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' | ');
  return 'any';
}

function yamlScalar(value: unknown): string {
  if (typeof value === 'string')
    return /^[\w.\-/ ]*$/.test(value) && value.trim() === value && value ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

/**
 * The text with the current line's key completed: `key: default` for a scalar with a default,
 * `key:` and an indented next line for an object, `key: ` otherwise. Returns the cursor too.
 */
export function applySuggestion(
  text: string,
  ctx: CompletionContext,
  s: KeySuggestion,
): { text: string; cursor: number } {
  const nested = s.type === 'object' || s.type === 'step';
  const inserted = nested
    ? `${ctx.indent}${s.key}:\n${ctx.indent}  `
    : `${ctx.indent}${s.key}: ${s.defaultValue ?? ''}`;
  const next = text.slice(0, ctx.lineStart) + inserted + text.slice(ctx.lineEnd);
  return { text: next, cursor: ctx.lineStart + inserted.length };
}
