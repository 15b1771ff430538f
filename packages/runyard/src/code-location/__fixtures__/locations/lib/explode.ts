export function readSettings(): never {
  throw new TypeError('settings are missing');
}
