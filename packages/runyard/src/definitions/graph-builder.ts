import { DefinitionError } from '../errors.js';
import type { AnyOp } from './op.js';

const HANDLE_BRAND: unique symbol = Symbol.for('runyard.output-handle') as never;

/** The output of a step inside a job's graph; `T` lets the compiler check the wiring. */
export interface OutputHandle<T> {
  readonly [HANDLE_BRAND]: true;
  readonly stepKey: string;
  /** Type-only: never set at run time. */
  readonly __type?: T;
}

/** Where a step input comes from: one upstream step, or a list of them (fan-in). */
export type InputSource =
  | { readonly kind: 'single'; readonly from: string }
  | { readonly kind: 'many'; readonly from: readonly string[] };

/** A step as written, before the job validates the graph. `op` is unchecked on purpose. */
export interface RawStep {
  readonly key: string;
  readonly op: unknown;
  readonly inputs: Readonly<Record<string, InputSource>>;
}

class GraphBuilder {
  readonly steps: RawStep[] = [];
  constructor(readonly jobName: string) {}

  addStep(stepKey: string, op: AnyOp, args: Record<string, unknown>): OutputHandle<unknown> {
    if (typeof args !== 'object' || args === null || Array.isArray(args))
      throw new DefinitionError(`job '${this.jobName}', step '${stepKey}': inputs must be an object of step outputs`);
    const inputs: Record<string, InputSource> = {};
    for (const [name, value] of Object.entries(args)) inputs[name] = this.#source(stepKey, name, value);
    this.steps.push({ key: stepKey, op, inputs });
    return { [HANDLE_BRAND]: true, stepKey };
  }

  #source(stepKey: string, input: string, value: unknown): InputSource {
    if (isOutputHandle(value)) return { kind: 'single', from: value.stepKey };
    if (Array.isArray(value) && value.every(isOutputHandle)) return { kind: 'many', from: value.map((h) => h.stepKey) };
    throw new DefinitionError(
      `job '${this.jobName}', step '${stepKey}': input '${input}' must be the output of another step (or a list of them), got ${describe(value)}`,
    );
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list that holds something other than step outputs';
  return `a ${typeof value}`;
}

export function isOutputHandle(value: unknown): value is OutputHandle<unknown> {
  return typeof value === 'object' && value !== null && HANDLE_BRAND in value;
}

// Graph functions are synchronous, so one slot is enough; a stack would allow nested jobs,
// which have no meaning here.
let active: GraphBuilder | undefined;

export function currentGraphBuilder(stepKey: string): GraphBuilder {
  if (!active)
    throw new DefinitionError(
      `op '${stepKey}' was called outside a job's graph; call ops only inside job({ graph: () => { … } })`,
    );
  return active;
}

/** Runs a job's graph function and records the steps it calls. */
export function recordGraph(jobName: string, graph: () => unknown): RawStep[] {
  if (active) throw new DefinitionError(`job '${jobName}' was defined inside the graph of job '${active.jobName}'`);
  const builder = new GraphBuilder(jobName);
  active = builder;
  try {
    const result = graph();
    if (result && typeof (result as Promise<unknown>).then === 'function')
      throw new DefinitionError(`job '${jobName}': graph must be a plain (not async) function that calls ops`);
  } finally {
    active = undefined;
  }
  return builder.steps;
}
