/**
 * Words that make a name (a config key, an environment variable, a flag, a query parameter) name
 * a secret. Names are split into words (`GITHUB_PAT`, `signingSalt`, `--env-secret`), so a short
 * word matches only as a whole word: `pat` hides `GITHUB_PAT` but not `path` or `patch`.
 */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'passphrase',
  'pwd',
  'secret',
  'secrets',
  'token',
  'tokens',
  'key',
  'keys',
  'apikey',
  'auth',
  'authorization',
  'oauth',
  'cookie',
  'cookies',
  'salt',
  'dsn',
  'webhook',
  'webhooks',
  'pat',
  'private',
  'signing',
  'signature',
  'sig',
  'cert',
  'certificate',
  'credential',
  'credentials',
  'creds',
  'sk',
  'jwt',
  'bearer',
  'hmac',
  'otp',
]);

/** Run together without separators (`apiKey` is split, `apikey` is not): matched anywhere. */
const SECRET_FRAGMENTS = [
  'password',
  'passwd',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'privatekey',
  'credential',
  'webhook',
  'cookie',
];

/** `pass` is a secret at the end of a name (`DB_PASS`, `smtpPass`), a verb at its start (`passEnv`). */
const TRAILING_ONLY = new Set(['pass']);

/** Whether `name` names a secret. */
export function isSecretName(name: string): boolean {
  const words = splitWords(name);
  if (words.length === 0) return false;
  if (words.some((word) => SECRET_WORDS.has(word))) return true;
  if (TRAILING_ONLY.has(words[words.length - 1]!)) return true;
  const joined = words.join('');
  return SECRET_FRAGMENTS.some((fragment) => joined.includes(fragment));
}

/** `GITHUB_PAT` → [github, pat]; `signingSALT` → [signing, salt]; `--env-secret` → [env, secret]. */
export function splitWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}
