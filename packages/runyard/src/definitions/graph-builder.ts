import { DefinitionError } from '../errors.js';
import type { MapScope } from './map-scope.js';
import type { AnyOp } from './op.js';

const HANDLE_BRAND: unique symbol = Symbol.for('runyard.output-handle') as never;

/** The output of a step inside a job's graph; `T` lets the compiler check the wiring. */
export interface OutputHandle<T> {
  readonly [HANDLE_BRAND]: true;
  readonly stepKey: string;
  /**
   * How the value is taken from `stepKey`: its whole output (absent), one item of it inside a
   * `map()` over it (`item`), or every mapped step of `stepKey` gathered in a list (`collect`).
   */
  readonly via?: 'item' | 'collect';
  /** The map scope that `via` refers to. */
  readonly scope?: MapScope;
  /** Type-only: never set at run time. */
  readonly __type?: T;
}

/**
 * Where a step input comes from: one upstream step, a list of them (fan-in), the item of a
 * `map()` the step is inside (`item`: `from` is the mapped step), or the outputs of a mapped
 * step gathered in item order (`collect`: `from` is the step that runs once per item).
 */
export type InputSource =
  | { readonly kind: 'single'; readonly from: string }
  | { readonly kind: 'many'; readonly from: readonly string[] }
  | { readonly kind: 'item'; readonly from: string; readonly scope: MapScope }
  | { readonly kind: 'collect'; readonly from: string; readonly scope: MapScope };

/** A step as written, before the job validates the graph. `op` is unchecked on purpose. */
export interface RawStep {
  readonly key: string;
  readonly op: unknown;
  readonly inputs: Readonly<Record<string, InputSource>>;
  /** The innermost `map()` the step was called in: it runs once per item. */
  readonly scope?: MapScope;
}

export class GraphBuilder {
  readonly steps: RawStep[] = [];
  readonly scopes: MapScope[] = [];
  /** The `map()` callbacks being recorded, innermost last. */
  readonly #open: MapScope[] = [];
  constructor(readonly jobName: string) {}

  get currentScope(): MapScope | undefined {
    return this.#open[this.#open.length - 1];
  }

  addStep(stepKey: string, op: AnyOp, args: Record<string, unknown>): OutputHandle<unknown> {
    if (typeof args !== 'object' || args === null || Array.isArray(args))
      throw new DefinitionError(`job '${this.jobName}', step '${stepKey}': inputs must be an object of step outputs`);
    const inputs: Record<string, InputSource> = {};
    for (const [name, value] of Object.entries(args)) inputs[name] = this.#source(stepKey, name, value);
    const scope = this.currentScope;
    this.steps.push({ key: stepKey, op, inputs, ...(scope ? { scope } : {}) });
    return { [HANDLE_BRAND]: true, stepKey };
  }

  /** Records the steps `record` adds as running once per item of `scope`. */
  within<T>(scope: MapScope, record: () => T): T {
    this.scopes.push(scope);
    this.#open.push(scope);
    try {
      return record();
    } finally {
      this.#open.pop();
    }
  }

  #source(stepKey: string, input: string, value: unknown): InputSource {
    if (isOutputHandle(value)) {
      if (value.via && value.scope) return { kind: value.via, from: value.stepKey, scope: value.scope };
      return { kind: 'single', from: value.stepKey };
    }
    if (Array.isArray(value) && value.every(isOutputHandle)) {
      const special = value.find((h) => h.via);
      if (special)
        throw new DefinitionError(
          `job '${this.jobName}', step '${stepKey}': input '${input}' lists ${special.via === 'item' ? `the item of a map() over '${special.scope?.source}'` : `the collected outputs of '${special.stepKey}'`}; a list may hold plain step outputs only, so pass it alone`,
        );
      return { kind: 'many', from: value.map((h) => h.stepKey) };
    }
    throw new DefinitionError(
      `job '${this.jobName}', step '${stepKey}': input '${input}' must be the output of another step (or a list of them), got ${describe(value)}`,
    );
  }
}

export function makeHandle<T>(stepKey: string, via?: 'item' | 'collect', scope?: MapScope): OutputHandle<T> {
  return { [HANDLE_BRAND]: true, stepKey, ...(via ? { via, scope } : {}) };
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list that holds something other than step outputs';
  if (typeof value === 'object' && 'collect' in value)
    return 'the result of map() itself (call .collect() on it to pass the outputs as a list)';
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

/** Runs a job's graph function and records the steps (and map scopes) it calls. */
export function recordGraph(jobName: string, graph: () => unknown): { steps: RawStep[]; scopes: MapScope[] } {
  if (active) throw new DefinitionError(`job '${jobName}' was defined inside the graph of job '${active.jobName}'`);
  const builder = new GraphBuilder(jobName);
  active = builder;
  try {
    const result = graph();
    if (isThenable(result))
      throw new DefinitionError(`job '${jobName}': graph must be a plain (not async) function that calls ops`);
  } finally {
    active = undefined;
  }
  return { steps: builder.steps, scopes: builder.scopes };
}

export function isThenable(value: unknown): boolean {
  return !!value && typeof (value as Promise<unknown>).then === 'function';
}
