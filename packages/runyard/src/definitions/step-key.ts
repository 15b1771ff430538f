/**
 * Step keys. A step of the static graph is keyed by its name (`load`); a mapped step adds one
 * `[<item key>]` per map() it is in, outermost first (`load[a.csv]`, `proc[a.csv][0]`). Names
 * cannot hold `[`, so the graph node of any step key is the part before the first `[`.
 */
export function stepKeyOf(node: string, itemKeys: readonly string[]): string {
  let key = node;
  for (const item of itemKeys) key += `[${item}]`;
  return key;
}

/** The graph node (op invocation) a step key belongs to: `load[a.csv]` → `load`. */
export function stepNodeOf(stepKey: string): string {
  const at = stepKey.indexOf('[');
  return at === -1 ? stepKey : stepKey.slice(0, at);
}

/** The item keys of a mapped step key, outermost first: `proc[a.csv][0]` → `['a.csv', '0']`. */
export function itemKeysOf(stepKey: string): string[] {
  const at = stepKey.indexOf('[');
  if (at === -1) return [];
  return stepKey.slice(at + 1, -1).split('][');
}

const ITEM_KEY_RE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}$/;

/** Item keys become parts of step keys, file names and URLs: letters, digits, `_`, `-`, `.`, at most 100. */
export function isSafeItemKey(key: string): boolean {
  return ITEM_KEY_RE.test(key);
}
