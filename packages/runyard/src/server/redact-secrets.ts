import { isSecretName } from './secret-names.js';
import { REDACTED, redactSecretText } from './secret-values.js';

export { REDACTED };

/**
 * Config for people to look at (the Instance page, `/api/instance`), with secrets left out. The
 * one rule for config values, environment maps and argument lists alike:
 *
 * - by name: a value under a secret-named key (`password`, `GITHUB_PAT`, `signingSalt`, `AUTH`…,
 *   see secret-names.ts), and everything inside it, is hidden; so is the value after a
 *   secret-named flag in a list (`['--password', 'x']`) and in `--flag=value` / `NAME=value`;
 * - by value: anywhere, the secrets a text holds (URL user info and secret URLs, `ghp_…`,
 *   `sk_live_…`, `xoxb-…`, `AKIA…`, PEM blocks…, see secret-values.ts).
 *
 * `{ env: NAME }` references are kept: they name a variable, not its value. Booleans and null are
 * never secrets and stay, so a switch under a secret-looking name still reads right.
 */
export function redactSecrets(value: unknown, key = ''): unknown {
  return redact(value, isSecretName(key));
}

function redact(value: unknown, secret: boolean): unknown {
  if (isEnvRef(value)) return value;
  if (typeof value === 'string') return secret ? REDACTED : redactSecretText(value);
  if (typeof value === 'number' || typeof value === 'bigint') return secret ? REDACTED : value;
  if (Array.isArray(value)) return redactList(value, secret);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, secret || isSecretName(k))]));
  return value;
}

/** A list, where a secret-named flag (`--token`) hides the item after it. */
function redactList(list: readonly unknown[], secret: boolean): unknown[] {
  let hideNext = false;
  return list.map((item) => {
    const hide = secret || (hideNext && typeof item === 'string' && !item.startsWith('-'));
    hideNext = typeof item === 'string' && /^--?[A-Za-z][\w.-]*$/.test(item) && isSecretName(item);
    return redact(item, hide);
  });
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
