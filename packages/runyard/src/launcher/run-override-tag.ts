import type { ConfigIssue } from '../errors.js';

/** The one method of a zod schema the reader uses: plug-ins pass their own, core loads no zod. */
export interface OverrideSchema<T> {
  safeParse(
    value: unknown,
  ):
    | { readonly success: true; readonly data: T }
    | { readonly success: false; readonly error: { readonly issues: readonly OverrideSchemaIssue[] } };
}

interface OverrideSchemaIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * A launcher's per-run override tag (`runyard/docker`, `runyard/k8s` …): its name, the keys the
 * instance allows, and the schema that checks its JSON value.
 */
export interface RunOverrideTag<T, K extends string> {
  /** The run tag, e.g. `runyard/docker`. */
  readonly tag: string;
  /** The keys a run may ever override, and the subset the instance owner allows. */
  readonly keys: readonly K[];
  readonly allowed: readonly K[];
  /** Checks the values once the keys are known to be allowed. */
  readonly schema: OverrideSchema<T>;
  /** What the object holds, for messages: "container settings", "pod settings". */
  readonly what: string;
  /** A short example of the object, for the message about bad JSON. */
  readonly example: string;
}

/**
 * The result of reading a per-run override tag: nothing there, the parsed overrides, or the issues
 * that refuse the run.
 */
export type RunOverrideOutcome<T> =
  | { readonly ok: true; readonly overrides: T }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/**
 * Reads a launcher's per-run override tag (`runyard/docker`, `runyard/k8s`, `runyard/ecs`: a JSON
 * object of settings) against the instance's allow-list. Every problem is one issue whose path names
 * the tag and the key, so the submit error says exactly what to change. No tag: no overrides.
 */
export function parseRunOverrideTag<T, K extends string>(
  tags: Readonly<Record<string, string>>,
  spec: RunOverrideTag<T, K>,
): RunOverrideOutcome<T> {
  const { tag } = spec;
  const text = tags[tag];
  // Overrides are partial settings objects: no tag is the empty one.
  if (text === undefined) return { ok: true, overrides: {} as T };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(tag, `is not valid JSON (${(error as Error).message}); expected an object such as ${spec.example}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail(tag, `expected a JSON object of ${spec.what}, got ${describe(value)}`);

  const issues: ConfigIssue[] = [];
  const allowedList = spec.allowed.length ? spec.allowed.join(', ') : 'none';
  for (const key of Object.keys(value)) {
    const at = `${tag}.${key}`;
    if (!(spec.keys as readonly string[]).includes(key)) {
      issues.push({ path: at, message: `unknown key; a run may override only ${spec.keys.join(', ')}` });
    } else if (!(spec.allowed as readonly string[]).includes(key)) {
      issues.push({
        path: at,
        message: `the instance does not allow runs to override '${key}' (the run launcher's allowRunOverrides: ${allowedList})`,
      });
    }
  }
  if (issues.length) return { ok: false, issues };

  const parsed = spec.schema.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => ({
        path: [tag, ...issue.path.map(String)].join('.'),
        message: issue.message,
      })),
    };
  }
  return { ok: true, overrides: parsed.data };
}

function fail(path: string, message: string): { readonly ok: false; readonly issues: readonly ConfigIssue[] } {
  return { ok: false, issues: [{ path, message }] };
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
