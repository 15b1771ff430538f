import { isSecretName } from './secret-names.js';

export const REDACTED = '(hidden)';

/** Well-known credential formats, hidden wherever they appear in a text. */
const TOKEN_PATTERNS: readonly RegExp[] = [
  /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|$)/g, // PEM blocks (keys, certificates)
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g, // GitHub fine-grained tokens
  /\bglpat-[A-Za-z0-9_-]{20,}/g, // GitLab
  /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}/g, // Stripe secret and restricted keys
  /\bwhsec_[A-Za-z0-9]{10,}/g, // Stripe webhook signing secrets
  /\bxox[a-z]-[A-Za-z0-9-]{10,}/g, // Slack tokens
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, // AWS access key ids
  /\bAIza[0-9A-Za-z_-]{35}/g, // Google API keys
  /\bnpm_[A-Za-z0-9]{36}/g, // npm tokens
  /\bsk-[A-Za-z0-9_-]{20,}/g, // OpenAI / Anthropic style keys
  /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+/g, // JWTs
];

/** Hosts and paths whose URL is itself the credential (whoever has it can post). */
const SECRET_URL = [
  /^hooks\.slack\.com\//i,
  /^(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\//i,
  /^[a-z0-9-]+\.webhook\.office\.com\//i,
  /^outlook\.office(?:365)?\.com\/webhook\//i,
  /^hooks\.zapier\.com\//i,
];

/** A user name that is only a name (`git@`, `postgres@`), not a key or token standing in for one. */
const PLAIN_USER = /^[a-z_][a-z0-9._-]{0,15}$/i;

/**
 * `text` with every secret it holds replaced by `(hidden)`: known token formats, the password (or
 * key-like user) in a URL's user info, a secret URL's path, secret-named query parameters, the
 * value of a secret-named `--flag=value` or `NAME=value`, and `Bearer`/`Basic` credentials.
 */
export function redactSecretText(text: string): string {
  const assignment = /^(-{0,2})([A-Za-z_][\w.-]*)=([\s\S]*)$/.exec(text);
  if (assignment && assignment[3] !== '' && isSecretName(assignment[2]!))
    return `${assignment[1]}${assignment[2]}=${REDACTED}`;
  let out = text;
  for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, REDACTED);
  out = out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`);
  return out.replace(
    /\b([a-z][a-z0-9+.-]*:\/\/)([^\s'"<>]+)/gi,
    (_all, scheme: string, rest: string) => scheme + redactUrlRest(rest),
  );
}

/** Everything after `scheme://`: user info, then a secret path, then secret query parameters. */
function redactUrlRest(rest: string): string {
  let out = rest;
  const at = /^([^/?#@]*)@/.exec(out);
  if (at) {
    const info = at[1]!;
    const colon = info.indexOf(':');
    const shown = colon >= 0 ? `${info.slice(0, colon)}:${REDACTED}` : PLAIN_USER.test(info) ? info : REDACTED;
    out = `${shown}@${out.slice(at[0].length)}`;
  }
  const hostStart = at ? out.indexOf('@') + 1 : 0;
  const hostAndPath = out.slice(hostStart);
  if (SECRET_URL.some((pattern) => pattern.test(hostAndPath))) {
    const slash = hostAndPath.indexOf('/');
    return `${out.slice(0, hostStart)}${hostAndPath.slice(0, slash + 1)}${REDACTED}`;
  }
  return out.replace(/([?&])([^=&#\s]+)=([^&#\s]*)/g, (all, sep: string, name: string, value: string) =>
    value !== '' && isSecretName(name) ? `${sep}${name}=${REDACTED}` : all,
  );
}
