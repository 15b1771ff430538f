import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets } from './redact-secrets.js';
import { isSecretName } from './secret-names.js';

const H = REDACTED;
// Built from parts so that no scanner mistakes this file's fake credentials for real ones.
const GHP = `ghp_${'a1B2'.repeat(9)}`;
const GH_FINE = `github_pat_${'11ABCDEFG0'.repeat(3)}_xyz`;
const STRIPE = `sk_live_${'51Hx9'.repeat(5)}`;
const SLACK_BOT = `xoxb-${'1234567890-'.repeat(3)}abcdef`;
const AWS_ID = `AKIA${'IOSFODNN7EXAMPL'}E`;
const PEM = `-----BEGIN RSA PRIVATE KEY-----\nMIIEow${'x'.repeat(40)}\n-----END RSA PRIVATE KEY-----`;
const SLACK_HOOK = 'https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX';
const SENTRY_DSN = `https://${'0123456789abcdef'.repeat(2)}@o1234.ingest.sentry.io/567`;

/** [what, input under a neutral key, what it must read as]. */
const byValue: readonly [string, unknown, unknown][] = [
  ['password in a URL', 'postgresql://runyard:s3cret@db:5432/runyard', `postgresql://runyard:${H}@db:5432/runyard`],
  ['empty user, password in a URL', 'redis://:pw@cache:6379', `redis://:${H}@cache:6379`],
  ['a key as the URL user (Sentry DSN)', SENTRY_DSN, `https://${H}@o1234.ingest.sentry.io/567`],
  ['a plain user name stays', 'ssh://git@github.com/org/repo', 'ssh://git@github.com/org/repo'],
  ['a Slack webhook', SLACK_HOOK, `https://hooks.slack.com/${H}`],
  ['a Discord webhook', 'https://discord.com/api/webhooks/123/abcDEF', `https://discord.com/${H}`],
  [
    'a token query parameter',
    'https://api.example.com/v1?token=abc&page=2',
    `https://api.example.com/v1?token=${H}&page=2`,
  ],
  ['a GitHub token', GHP, H],
  ['a GitHub fine-grained token inside text', `use ${GH_FINE} here`, `use ${H} here`],
  ['a GitHub token in a URL', `https://${GHP}@github.com/org/repo.git`, `https://${H}@github.com/org/repo.git`],
  ['a Stripe secret key', STRIPE, H],
  ['a Slack bot token', SLACK_BOT, H],
  ['an AWS access key id', AWS_ID, H],
  ['a PEM block', PEM, H],
  ['a bearer credential', 'Authorization: Bearer abcdef123456', `Authorization: Bearer ${H}`],
  ['a secret flag with =', '--env-secret=hunter2', `--env-secret=${H}`],
  ['a secret NAME=value', 'GITHUB_PAT=abc123', `GITHUB_PAT=${H}`],
  ['a plain flag stays', '--max-old-space-size=4096', '--max-old-space-size=4096'],
  ['a plain URL stays', 'https://example.com/a:b@c', 'https://example.com/a:b@c'],
  ['a path stays', '/srv/runyard/runyard.db', '/srv/runyard/runyard.db'],
  ['a number stays', 42, 42],
];

/** [key, whether a value under it is hidden]. */
const byName: readonly [string, boolean][] = [
  ['password', true],
  ['PGPASSWORD', true],
  ['DB_PASS', true],
  ['API_TOKEN', true],
  ['apiKey', true],
  ['apikey', true],
  ['secretName', true],
  ['AUTH', true],
  ['SESSION_COOKIE', true],
  ['SIGNING_SALT', true],
  ['SENTRY_DSN', true],
  ['SLACK_WEBHOOK_URL', true],
  ['GITHUB_PAT', true],
  ['STRIPE_SK', true],
  ['privateKey', true],
  ['tlsCert', true],
  ['AWS_SECRET_ACCESS_KEY', true],
  ['clientCredentials', true],
  ['path', false],
  ['patch', false],
  ['pattern', false],
  ['passEnv', false],
  ['author', false],
  ['user', false],
  ['image', false],
  ['class', false],
  ['skip', false],
  ['monkey', false],
];

describe('redactSecrets', () => {
  it.each(byValue)('by value: %s', (_what, input, expected) => {
    expect(redactSecrets({ value: input })).toEqual({ value: expected });
  });

  it.each(byName)('by name: %s hidden = %s', (key, hidden) => {
    expect(isSecretName(key)).toBe(hidden);
    expect(redactSecrets({ [key]: 'plain-value' })).toEqual({ [key]: hidden ? H : 'plain-value' });
  });

  it('hides everything under a secret key, keeps env references and switches', () => {
    expect(
      redactSecrets({
        secrets: { a: 'x', list: ['y', 1] },
        password: { env: 'PGPASSWORD' },
        privateNetwork: true,
        token: null,
      }),
    ).toEqual({ secrets: { a: H, list: [H, H] }, password: { env: 'PGPASSWORD' }, privateNetwork: true, token: null });
  });

  it('treats env maps and argument lists alike', () => {
    expect(
      redactSecrets({
        env: { GITHUB_PAT: 'abc', PLAIN: 'fine', SLACK: SLACK_HOOK },
        execArgv: ['--env-secret=hunter2', '--password', 'hunter2', '--inspect', '--title', 'worker'],
        passEnv: ['AWS_SECRET_ACCESS_KEY', 'HOME'],
        Env: ['STRIPE_SK=abc', 'HOME=/root'],
      }),
    ).toEqual({
      env: { GITHUB_PAT: H, PLAIN: 'fine', SLACK: `https://hooks.slack.com/${H}` },
      execArgv: [`--env-secret=${H}`, '--password', H, '--inspect', '--title', 'worker'],
      passEnv: ['AWS_SECRET_ACCESS_KEY', 'HOME'],
      Env: [`STRIPE_SK=${H}`, 'HOME=/root'],
    });
  });
});
