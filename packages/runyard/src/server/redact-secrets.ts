/** Keys whose values are secrets whatever they hold. */
const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|private[-_]?key|credential/i;

export const REDACTED = '(hidden)';

/**
 * Config for people to look at, with secrets left out: values under secret-looking keys, and the
 * password inside connection URLs (`postgres://user:pw@host` → `postgres://user:(hidden)@host`).
 * `{ env: NAME }` references are kept: they name a variable, not its value.
 */
export function redactSecrets(value: unknown, key = ''): unknown {
  if (isEnvRef(value)) return value;
  if (SECRET_KEY.test(key) && value !== null && value !== undefined && typeof value !== 'object') return REDACTED;
  if (typeof value === 'string') return redactUrlPassword(value);
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, k)]));
  return value;
}

export function redactUrlPassword(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@/\s]*@/gi, `$1${REDACTED}@`);
}

function isEnvRef(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { env?: unknown }).env === 'string'
  );
}
