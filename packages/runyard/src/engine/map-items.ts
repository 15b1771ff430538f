import type { MapScope } from '../definitions/map-scope.js';
import { isSafeItemKey } from '../definitions/step-key.js';
import { RunyardError } from '../errors.js';

/** A list that map() cannot turn into steps: it fails the step that returned it. */
export class MapItemsError extends RunyardError {}

export interface MapItems {
  /** One key per item, in item order. */
  readonly keys: readonly string[];
  readonly items: readonly unknown[];
}

/**
 * The items of a map() and their keys, from the output of the step it maps (`sourceKey`): the
 * scope's key function, else the items themselves when they are all strings or numbers, else
 * their indexes. A key that is not a safe name, or a key given twice, fails the mapped step.
 */
export function mapItems(scope: MapScope, sourceKey: string, output: unknown): MapItems {
  const what = `map() over '${sourceKey}'`;
  if (!Array.isArray(output))
    throw new MapItemsError(`${what} needs a list, but step '${sourceKey}' returned ${describe(output)}`, {
      data: { stepKey: sourceKey },
    });
  const items = output as readonly unknown[];
  let keys: string[];
  let from: string;
  if (scope.key) {
    const keyFn = scope.key;
    from = 'the key function';
    keys = items.map((item, index) => {
      let key: unknown;
      try {
        key = keyFn(item, index);
      } catch (error) {
        throw new MapItemsError(`${what}: the key function threw on item ${index}: ${(error as Error).message}`, {
          cause: error,
          data: { stepKey: sourceKey, index },
        });
      }
      if (typeof key !== 'string' && !(typeof key === 'number' && Number.isFinite(key)))
        throw new MapItemsError(
          `${what}: the key function returned ${describe(key)} for item ${index}; it must return a string or a number`,
          { data: { stepKey: sourceKey, index } },
        );
      return String(key);
    });
  } else if (items.every((i) => typeof i === 'string' || (typeof i === 'number' && Number.isFinite(i)))) {
    from = 'the items';
    keys = items.map(String);
  } else {
    return { keys: items.map((_, index) => String(index)), items };
  }
  const seen = new Map<string, number>();
  keys.forEach((key, index) => {
    if (!isSafeItemKey(key))
      throw new MapItemsError(
        `${what}: item ${index} has the key ${JSON.stringify(key)} (from ${from}), which is not a safe step key: use letters, digits, '_', '-' and '.', at most 100, starting with a letter, digit, '_' or '-'${scope.key ? '' : '; give map() a key function ({ key: (item, index) => … })'}`,
        { data: { stepKey: sourceKey, index, key } },
      );
    const first = seen.get(key);
    if (first !== undefined)
      throw new MapItemsError(
        `${what}: items ${first} and ${index} both have the key ${JSON.stringify(key)} (from ${from}); keys must be unique${scope.key ? '' : '; give map() a key function ({ key: (item, index) => … })'}`,
        { data: { stepKey: sourceKey, index, key } },
      );
    seen.set(key, index);
  });
  return { keys, items };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string')
    return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  return `${typeof value === 'object' ? 'an object' : `a ${typeof value}`}`;
}
