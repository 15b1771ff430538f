/** Where an item's key comes from when the default (the item itself, or its index) will not do. */
export type MapKeyFn<T = unknown> = (item: T, index: number) => string | number;

/**
 * One `map()` in a job's graph: the steps called inside its callback run once per item of the
 * output of `source`, each as its own step `<step>[<key>]`. Scopes nest: a map inside a map runs
 * its steps once per item of each outer item (`<step>[<outer key>][<inner key>]`).
 */
export interface MapScope {
  /** Unique in its job; the order the map() calls were made. */
  readonly id: number;
  /** The step whose output (a list) is mapped. */
  readonly source: string;
  /** The map this one was called inside. */
  readonly parent?: MapScope;
  /** 1 for a map at the graph's top level, 2 inside one map, … */
  readonly depth: number;
  readonly key?: MapKeyFn;
}

/** True when `scope` is `ancestor` or inside it; every scope is inside the graph's top level (undefined). */
export function isWithin(scope: MapScope | undefined, ancestor: MapScope | undefined): boolean {
  if (!ancestor) return true;
  for (let s = scope; s; s = s.parent) if (s === ancestor) return true;
  return false;
}

export function scopeDepth(scope: MapScope | undefined): number {
  return scope?.depth ?? 0;
}

/** How a message names a scope: the map over its source (and where that map is). */
export function describeScope(scope: MapScope): string {
  return `map() over '${scope.source}'${scope.parent ? ` (inside the map() over '${scope.parent.source}')` : ''}`;
}
