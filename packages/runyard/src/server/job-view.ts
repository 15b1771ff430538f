import type { InputSource } from '../definitions/graph-builder.js';
import type { JobDefinition } from '../definitions/job.js';
import { deepMerge } from '../engine/run-config.js';

export interface StepView {
  readonly key: string;
  readonly op: string;
  readonly description?: string;
  readonly upstream: readonly string[];
  readonly inputs: Readonly<Record<string, string | readonly string[]>>;
  /** The op's config schema as JSON Schema, when it takes config. */
  readonly configSchema?: unknown;
  /** For a step inside map(): the step whose list it runs once per item of (its steps are `key[<item>]`). */
  readonly mappedOver?: string;
}

export interface JobView {
  readonly name: string;
  readonly description?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly executor: JobDefinition['executor'];
  readonly steps: readonly StepView[];
  readonly defaultRunConfig: Readonly<Record<string, unknown>>;
  /** YAML for the launchpad: each step's config with its defaults, or a placeholder to fill in. */
  readonly runConfigTemplate: string;
}

/** A job as the API shows it: its graph in topological order and what its config looks like. */
export async function jobView(job: JobDefinition): Promise<JobView> {
  const { z } = await import('zod');
  const { stringify } = await import('yaml');
  const steps: StepView[] = [];
  const template: Record<string, unknown> = {};
  for (const key of job.graph.order) {
    const node = job.graph.steps.get(key)!;
    const schema = node.op.configSchema as Parameters<typeof z.toJSONSchema>[0] | undefined;
    const jsonSchema = schema ? toJsonSchema(z, schema) : undefined;
    steps.push({
      key,
      op: node.op.name,
      ...(node.op.description ? { description: node.op.description } : {}),
      upstream: node.upstream,
      inputs: Object.fromEntries(Object.entries(node.inputs).map(([name, source]) => [name, sourceView(source)])),
      ...(jsonSchema ? { configSchema: jsonSchema } : {}),
      ...(node.scope ? { mappedOver: node.scope.source } : {}),
    });
    if (schema) template[key] = { config: exampleConfig(schema, jsonSchema) };
  }
  const runConfig = deepMerge({ ops: template }, job.defaultRunConfig);
  return {
    name: job.name,
    ...(job.description ? { description: job.description } : {}),
    tags: job.tags,
    executor: job.executor,
    steps,
    defaultRunConfig: job.defaultRunConfig,
    runConfigTemplate: Object.keys(template).length ? stringify(runConfig) : '',
  };
}

function sourceView(source: InputSource): string | readonly string[] {
  return source.from; // one step, or the list of a fan-in
}

function toJsonSchema(z: typeof import('zod').z, schema: Parameters<typeof z.toJSONSchema>[0]): unknown {
  try {
    // 'input': what the user types, so fields with defaults are not listed as required.
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  } catch {
    return undefined; // a schema of another zod major: the launchpad then shows no schema
  }
}

/** The op's defaults when the schema accepts an empty config; otherwise a placeholder per field. */
function exampleConfig(schema: unknown, jsonSchema: unknown): unknown {
  const parsed = (schema as { safeParse?: (v: unknown) => { success: boolean; data?: unknown } }).safeParse?.({});
  if (parsed?.success) return parsed.data;
  return placeholderFor(jsonSchema);
}

function placeholderFor(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object') return null;
  const s = schema as { default?: unknown; type?: unknown; properties?: Record<string, unknown>; enum?: unknown[] };
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  switch (s.type) {
    case 'object':
      return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, placeholderFor(v)]));
    case 'string':
      return '';
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    default:
      return null;
  }
}
