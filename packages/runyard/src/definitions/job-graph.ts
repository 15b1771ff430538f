import { DefinitionError } from '../errors.js';
import { OP_BRAND } from './brands.js';
import type { InputSource, RawStep } from './graph-builder.js';
import { describeScope, isWithin, type MapScope } from './map-scope.js';
import type { AnyOp } from './op.js';

/** One step of a job's graph: its key, its op, and the upstream steps feeding each input. */
export interface StepNode {
  readonly key: string;
  readonly op: AnyOp;
  readonly inputs: Readonly<Record<string, InputSource>>;
  /** Distinct upstream step keys, in input order. */
  readonly upstream: readonly string[];
  readonly downstream: readonly string[];
  /** The innermost map() the step is in: it runs once per item, as `<key>[<item key>]…`. */
  readonly scope?: MapScope;
}

/** A validated DAG of steps, with a stable topological order (declaration order breaks ties). */
export interface JobGraph {
  readonly steps: ReadonlyMap<string, StepNode>;
  readonly order: readonly string[];
  /** Every map() in the graph, in the order they were called. */
  readonly scopes: readonly MapScope[];
}

/** Validates raw steps: unknown ops, duplicate names, unconnected or unknown inputs, cycles. */
export function buildJobGraph(jobName: string, raw: readonly RawStep[], scopes: readonly MapScope[] = []): JobGraph {
  const where = (step: string) => `job '${jobName}', step '${step}'`;
  if (raw.length === 0) throw new DefinitionError(`job '${jobName}' has no steps`);

  const byKey = new Map<string, RawStep>();
  for (const step of raw) {
    if (byKey.has(step.key))
      throw new DefinitionError(
        `job '${jobName}': two steps are named '${step.key}'; give one another name with op.as('other_name')`,
      );
    if (!isOp(step.op)) throw new DefinitionError(`${where(step.key)}: ${notAnOp(step.op)}; define ops with op({ … })`);
    byKey.set(step.key, step);
  }

  const upstreamOf = new Map<string, string[]>();
  for (const step of raw) {
    const op = step.op as AnyOp;
    for (const input of Object.keys(op.ins)) {
      if (!(input in step.inputs)) throw new DefinitionError(`${where(step.key)}: input '${input}' is not connected`);
    }
    const upstream: string[] = [];
    for (const [input, source] of Object.entries(step.inputs)) {
      if (!(input in op.ins)) {
        const known = Object.keys(op.ins);
        throw new DefinitionError(
          `${where(step.key)}: op '${op.name}' has no input '${input}' (${known.length ? `its inputs: ${known.join(', ')}` : 'it takes no inputs'})`,
        );
      }
      const froms = source.kind === 'many' ? source.from : [source.from];
      for (const from of froms) {
        if (!byKey.has(from))
          throw new DefinitionError(
            `${where(step.key)}: input '${input}' refers to step '${from}', which is not in the job`,
          );
        if (!upstream.includes(from)) upstream.push(from);
      }
    }
    upstreamOf.set(step.key, upstream);
  }
  validateScopes(jobName, byKey, scopes);

  const order = topologicalOrder(
    jobName,
    raw.map((s) => s.key),
    upstreamOf,
  );
  const downstreamOf = new Map<string, string[]>(raw.map((s) => [s.key, []]));
  for (const [key, ups] of upstreamOf) for (const up of ups) downstreamOf.get(up)?.push(key);

  const steps = new Map<string, StepNode>();
  for (const key of order) {
    const step = byKey.get(key) as RawStep;
    steps.set(
      key,
      Object.freeze({
        key,
        op: step.op as AnyOp,
        inputs: Object.freeze({ ...step.inputs }),
        upstream: Object.freeze(upstreamOf.get(key) ?? []),
        downstream: Object.freeze(downstreamOf.get(key) ?? []),
        ...(step.scope ? { scope: step.scope } : {}),
      }),
    );
  }
  return Object.freeze({ steps, order: Object.freeze(order), scopes: Object.freeze([...scopes]) });
}

/**
 * The rules of map(): a step sees the outputs of steps in its own map or around it, never one
 * inside a map it is not in (that output exists once per item: `.collect()` it); a map's list
 * comes from a step that can see it, and, when that step's op declares `out`, is a list.
 */
function validateScopes(jobName: string, byKey: ReadonlyMap<string, RawStep>, scopes: readonly MapScope[]): void {
  const where = (step: string) => `job '${jobName}', step '${step}'`;
  for (const scope of scopes) {
    const source = byKey.get(scope.source);
    if (!source)
      throw new DefinitionError(`job '${jobName}': ${describeScope(scope)} maps a step that is not in the job`);
    // The list must come from the map()'s own level: a step inside a map exists once per item
    // (collect it first), and an outer step's list is the same for every item (which has no use).
    if (source.scope !== scope.parent)
      throw new DefinitionError(
        source.scope && !isWithin(scope.parent, source.scope)
          ? `${where(scope.source)}: ${describeScope(scope)} maps the output of a step inside another map(), which exists once per item; .collect() it into an op first`
          : `${where(scope.source)}: ${describeScope(scope)} maps the output of a step called outside the map() it is in; map a step called in the same map() function`,
      );
    const out = (source.op as AnyOp).outSchema;
    const type = zodTypeName(out);
    if (type !== undefined && type !== 'array' && type !== 'tuple')
      throw new DefinitionError(
        `${where(scope.source)}: ${describeScope(scope)} needs a list, but op '${(source.op as AnyOp).name}' declares its output as ${type === 'object' ? 'an object' : `a ${type}`}`,
      );
  }
  for (const step of byKey.values()) {
    for (const [input, source] of Object.entries(step.inputs)) {
      const froms = source.kind === 'many' ? source.from : [source.from];
      const what = `${where(step.key)}: input '${input}'`;
      if (source.kind === 'item') {
        if (!isWithin(step.scope, source.scope))
          throw new DefinitionError(
            `${what} takes the item of the ${describeScope(source.scope)} outside that map(); use it only in ops called inside the map()'s function`,
          );
        continue;
      }
      if (source.kind === 'collect') {
        if (isWithin(step.scope, source.scope))
          throw new DefinitionError(`${what} collects the ${describeScope(source.scope)} from inside that same map()`);
        if (!isWithin(step.scope, source.scope.parent))
          throw new DefinitionError(
            `${what} collects the ${describeScope(source.scope)}, which runs once per item of a map() this step is not in`,
          );
        continue;
      }
      for (const from of froms) {
        const upstream = byKey.get(from) as RawStep;
        if (upstream.scope && !isWithin(step.scope, upstream.scope))
          throw new DefinitionError(
            `${what} takes the output of '${from}', which runs once per item of the ${describeScope(upstream.scope)}; pass the map()'s .collect() instead`,
          );
      }
    }
  }
}

/** The zod type of a schema (`string`, `array`, …), or undefined when it cannot be told. */
function zodTypeName(schema: unknown): string | undefined {
  const def = (schema as { _zod?: { def?: { type?: unknown } }; def?: { type?: unknown } } | undefined)?._zod?.def;
  const type = def?.type;
  // Wrappers (optional, pipe, lazy, any…) may still hold a list: only a plain non-list type is refused.
  const plain = [
    'string',
    'number',
    'boolean',
    'bigint',
    'object',
    'record',
    'map',
    'set',
    'date',
    'literal',
    'null',
    'undefined',
    'void',
    'enum',
    'symbol',
    'nan',
  ];
  return typeof type === 'string' && (plain.includes(type) || type === 'array' || type === 'tuple') ? type : undefined;
}

function topologicalOrder(
  jobName: string,
  keys: readonly string[],
  upstreamOf: ReadonlyMap<string, readonly string[]>,
): string[] {
  const remaining = new Map(keys.map((k) => [k, (upstreamOf.get(k) ?? []).length]));
  const downstream = new Map<string, string[]>(keys.map((k) => [k, []]));
  for (const [k, ups] of upstreamOf) for (const u of ups) downstream.get(u)?.push(k);
  const order: string[] = [];
  const ready = keys.filter((k) => remaining.get(k) === 0);
  while (ready.length) {
    const key = ready.shift() as string;
    order.push(key);
    for (const d of downstream.get(key) ?? []) {
      const left = (remaining.get(d) ?? 0) - 1;
      remaining.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  if (order.length < keys.length) {
    const cycle = findCycle(
      keys.filter((k) => !order.includes(k)),
      upstreamOf,
    );
    throw new DefinitionError(`job '${jobName}' has a cycle: ${cycle.join(' → ')}`, { cycle });
  }
  return order;
}

/** Follows upstream edges among the unordered steps until one repeats. */
function findCycle(stuck: readonly string[], upstreamOf: ReadonlyMap<string, readonly string[]>): string[] {
  const stuckSet = new Set(stuck);
  const path: string[] = [];
  let cur = stuck[0] as string;
  while (!path.includes(cur)) {
    path.push(cur);
    cur = (upstreamOf.get(cur) ?? []).find((u) => stuckSet.has(u)) as string;
  }
  // path walks downstream→upstream; show it in data-flow order.
  return [...path.slice(path.indexOf(cur)), cur].reverse();
}

function isOp(value: unknown): value is AnyOp {
  return typeof value === 'function' && OP_BRAND in value;
}

function notAnOp(value: unknown): string {
  if (value === undefined) return "'op' is undefined (check the import)";
  if (typeof value === 'function') return `the function '${value.name || 'anonymous'}' is not an op`;
  return `${value === null ? 'null' : `a ${typeof value}`} is not an op`;
}
