/** Small helpers for walking config values as YAML gives them: plain objects, lists and scalars. */

/** `a.b` for keys, `a[0]` for list items, so paths read like the YAML they point into. */
export function joinPath(base: string, key: PropertyKey): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base ? `${base}.${String(key)}` : String(key);
}

/** How a value is named in a message: its YAML-ish type. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A deep copy of plain data, so callers can neither see nor cause later mutation. */
export function cloneData<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneData) as T;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = cloneData(item);
    return out as T;
  }
  return value;
}

/** Freezes plain objects and lists all the way down; other objects are left alone. */
export function deepFreeze<T>(value: T): T {
  if (Array.isArray(value) || isPlainObject(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
