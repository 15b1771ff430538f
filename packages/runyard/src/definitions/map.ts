import { DefinitionError } from '../errors.js';
import { currentGraphBuilder, isOutputHandle, isThenable, makeHandle, type OutputHandle } from './graph-builder.js';
import { describeScope, isWithin, type MapKeyFn, type MapScope } from './map-scope.js';

const MAPPED_BRAND: unique symbol = Symbol.for('runyard.mapped-output') as never;

/** Options of `map()`. */
export interface MapOptions<T> {
  /**
   * Each item's key, used in its steps' keys (`load[<key>]`): letters, digits, `_`, `-` and `.`,
   * unique in the list. Default: the item itself when every item is a string or number, else its index.
   */
  readonly key?: MapKeyFn<T>;
}

/** What `map()` returns: the step that ran once per item, to `.collect()` into a list. */
export interface MappedOutput<R> {
  readonly [MAPPED_BRAND]: true;
  /** The step inside the map whose outputs are collected. */
  readonly stepKey: string;
  /**
   * Every item's output in item order, as one input of a step after the map. A failed (or
   * skipped) item skips that step, unless its op sets `partialResults: true`: then it gets the
   * outputs of the items that succeeded.
   */
  collect(): OutputHandle<R[]>;
  /** Type-only: never set at run time. */
  readonly __type?: R;
}

/**
 * Fans a step's output (a list) out into one step per item, in a job's graph. The callback gets
 * the item and calls ops with it (and with any other output); each op called inside runs once per
 * item, as the step `<op>[<key>]`. `.collect()` gathers the results for a step after the map:
 *
 *   report({ loaded: map(files(), (file) => load({ file })).collect() });
 *
 * Maps nest: a map inside the callback runs once per outer item (`proc[a.csv][0]`).
 */
export function map<T, R>(
  source: OutputHandle<readonly T[]>,
  fn: (item: OutputHandle<T>) => OutputHandle<R>,
  options: MapOptions<T> = {},
): MappedOutput<R> {
  const builder = currentGraphBuilder('map');
  const where = `job '${builder.jobName}'`;
  const outer = builder.currentScope;
  if (!isOutputHandle(source) || source.via)
    throw new DefinitionError(
      `${where}: map() needs the output of a step as its first argument, got ${source && isOutputHandle(source) ? (source.via === 'item' ? 'the item of another map() (map over an op that returns the list instead)' : 'collected outputs (pass them through an op first)') : describe(source)}`,
    );
  if (typeof fn !== 'function')
    throw new DefinitionError(`${where}: map() over '${source.stepKey}' needs a function as its second argument`);
  if (options.key !== undefined && typeof options.key !== 'function')
    throw new DefinitionError(`${where}: map() over '${source.stepKey}': 'key' must be a function of the item`);
  const scope: MapScope = Object.freeze({
    id: builder.scopes.length,
    source: source.stepKey,
    depth: (outer?.depth ?? 0) + 1,
    ...(outer ? { parent: outer } : {}),
    ...(options.key ? { key: options.key as MapKeyFn } : {}),
  });
  const stepsBefore = builder.steps.length;
  const result = builder.within(scope, () => fn(makeHandle<T>(source.stepKey, 'item', scope)));
  if (isThenable(result))
    throw new DefinitionError(`${where}: the function given to ${describeScope(scope)} must not be async`);
  const inside = builder.steps.slice(stepsBefore).filter((s) => s.scope === scope);
  if (!isOutputHandle(result) || result.via || !inside.some((s) => s.key === result.stepKey))
    throw new DefinitionError(
      `${where}: the function given to ${describeScope(scope)} must return the output of a step it calls (got ${resultDescription(result, scope)})`,
    );
  let collectedBy = false;
  return Object.freeze({
    [MAPPED_BRAND]: true as const,
    stepKey: result.stepKey,
    collect(): OutputHandle<R[]> {
      if (collectedBy)
        throw new DefinitionError(
          `${where}, step '${result.stepKey}': the ${describeScope(scope)} is collected twice; call .collect() once and pass its result to every step that needs it`,
        );
      const now = currentGraphBuilder('collect');
      if (isWithin(now.currentScope, scope))
        throw new DefinitionError(
          `${where}, step '${result.stepKey}': .collect() is called inside the ${describeScope(scope)} it collects; call it after map() returns`,
        );
      collectedBy = true;
      return makeHandle<R[]>(result.stepKey, 'collect', scope);
    },
  });
}

function resultDescription(result: unknown, scope: MapScope): string {
  if (isOutputHandle(result)) {
    if (result.via === 'item') return 'the item itself';
    if (result.via === 'collect')
      return `collected outputs of '${result.stepKey}'; pass them to an op and return its output`;
    return `the output of '${result.stepKey}', a step called outside the ${describeScope(scope)}`;
  }
  return describe(result);
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'object' && MAPPED_BRAND in value)
    return 'the result of another map(); return its .collect() passed through an op';
  return `a ${typeof value}`;
}
