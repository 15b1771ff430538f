/**
 * Definitions are recognised by registered symbols rather than `instanceof`, so a code location
 * that resolved its own copy of `runyard` (compiled into a cache, another node_modules) still works.
 */
export const OP_BRAND: unique symbol = Symbol.for('runyard.op') as never;
export const JOB_BRAND: unique symbol = Symbol.for('runyard.job') as never;
export const DEFINITIONS_BRAND: unique symbol = Symbol.for('runyard.definitions') as never;
export const SCHEDULE_BRAND: unique symbol = Symbol.for('runyard.schedule') as never;

export function hasBrand(value: unknown, brand: symbol): boolean {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && brand in value;
}
