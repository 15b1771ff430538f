import type { ConfigIssue } from '../errors.js';
import { joinPath, typeName } from './config-values.js';
import { isEnvRef } from './env-ref.js';

/**
 * Anything with zod's `safeParse`: a zod schema, or a hand-written validator for a component that
 * does not want zod. The error side is left open because only zod's issue shape is interpreted.
 */
export interface ConfigSchema<T = unknown> {
  safeParse(input: unknown): ConfigParseResult<T>;
}

export type ConfigParseResult<T> =
  | { readonly success: true; readonly data: T }
  | { readonly success: false; readonly error?: unknown };

export type ParseOutcome<T> =
  | { readonly ok: true; readonly data: T }
  | { readonly ok: false; readonly issues: ConfigIssue[] };

export function isConfigSchema(value: unknown): value is ConfigSchema {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { safeParse?: unknown }).safeParse === 'function'
  );
}

/**
 * Validates `input` and turns every problem into a ConfigIssue under `basePath`. Zod schemas get
 * an error map that words messages the way runyard.yaml users read them ("expected number, got
 * string"); it is passed per parse, so messages a schema author wrote on the schema still win.
 */
export function parseWithSchema<T>(schema: ConfigSchema<T>, input: unknown, basePath: string): ParseOutcome<T> {
  const safeParse = schema.safeParse as (input: unknown, params?: unknown) => ConfigParseResult<T>;
  const result = isZod(schema) ? safeParse.call(schema, input, { error: yamlErrorMap }) : safeParse.call(schema, input);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, issues: issuesFromError(result.error, basePath) };
}

function isZod(schema: object): boolean {
  return '_zod' in schema;
}

function issuesFromError(error: unknown, basePath: string): ConfigIssue[] {
  const raw = (error as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(raw)) {
    // A hand-written validator with its own error shape: keep what it says.
    const message = error instanceof Error ? error.message : error === undefined ? 'invalid' : String(error);
    return [{ path: basePath, message }];
  }
  const issues: ConfigIssue[] = [];
  for (const issue of raw as ZodLikeIssue[]) {
    const path = (issue.path ?? []).reduce<string>(joinPath, basePath);
    // Zod reports unknown keys once per object; one issue per key points at each mistake.
    if (issue.code === 'unrecognized_keys' && Array.isArray(issue.keys)) {
      for (const key of issue.keys) issues.push({ path: joinPath(path, key), message: issue.message ?? 'unknown key' });
    } else {
      issues.push({ path, message: issue.message ?? 'invalid' });
    }
  }
  return issues;
}

interface ZodLikeIssue {
  readonly code?: string;
  readonly path?: readonly PropertyKey[];
  readonly message?: string;
  readonly keys?: readonly string[];
}

interface ZodMapIssue extends ZodLikeIssue {
  readonly input?: unknown;
  readonly expected?: string;
  readonly origin?: string;
  readonly minimum?: number | bigint;
  readonly maximum?: number | bigint;
  readonly inclusive?: boolean;
  readonly values?: readonly unknown[];
  readonly inst?: { readonly _zod?: { readonly def?: { readonly shape?: Record<string, unknown> } } };
}

const EXPECTED_NAMES: Record<string, string> = { record: 'object', int: 'whole number', array: 'list' };

/** Returning undefined leaves zod's own wording for the codes not rephrased here. */
function yamlErrorMap(issue: ZodMapIssue): string | undefined {
  const { input } = issue;
  switch (issue.code) {
    case 'invalid_type': {
      if (input === undefined) return 'required';
      if (issue.expected === 'int' && typeof input === 'number') return `expected a whole number, got ${input}`;
      const expected = EXPECTED_NAMES[issue.expected ?? ''] ?? issue.expected;
      if (isEnvRef(input))
        return `expected ${expected}, got { env: … } (only a component's config may read the environment)`;
      return `expected ${expected}, got ${typeName(input)}`;
    }
    case 'unrecognized_keys': {
      const shape = issue.inst?._zod?.def?.shape;
      return shape ? `unknown key (valid keys: ${Object.keys(shape).join(', ')})` : 'unknown key';
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      if (issue.origin === 'string' && issue.code === 'too_small' && Number(bound) === 1) return 'must not be empty';
      if (issue.origin !== 'number') return undefined;
      const op = issue.code === 'too_small' ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
      return `expected a number ${op} ${String(bound)}, got ${String(input)}`;
    }
    case 'invalid_value':
      return `expected one of ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(input)}`;
    default:
      return undefined;
  }
}
