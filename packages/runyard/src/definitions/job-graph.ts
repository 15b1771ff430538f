import { DefinitionError } from '../errors.js';
import { OP_BRAND } from './brands.js';
import type { InputSource, RawStep } from './graph-builder.js';
import type { AnyOp } from './op.js';

/** One step of a job's graph: its key, its op, and the upstream steps feeding each input. */
export interface StepNode {
  readonly key: string;
  readonly op: AnyOp;
  readonly inputs: Readonly<Record<string, InputSource>>;
  /** Distinct upstream step keys, in input order. */
  readonly upstream: readonly string[];
  readonly downstream: readonly string[];
}

/** A validated DAG of steps, with a stable topological order (declaration order breaks ties). */
export interface JobGraph {
  readonly steps: ReadonlyMap<string, StepNode>;
  readonly order: readonly string[];
}

/** Validates raw steps: unknown ops, duplicate names, unconnected or unknown inputs, cycles. */
export function buildJobGraph(jobName: string, raw: readonly RawStep[]): JobGraph {
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
      const froms = source.kind === 'single' ? [source.from] : source.from;
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
      }),
    );
  }
  return Object.freeze({ steps, order: Object.freeze(order) });
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
