/**
 * `/api/instance` (what the Instance page shows) hides every form of secret an instance config
 * can hold: by name and by value, in config values, environment maps and argument lists.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Instance, startUiServer, type UiServer } from 'runyard';
import { afterAll, beforeAll, expect, it } from 'vitest';

// Fake credentials, built from parts so that no scanner takes this file for a leak.
const SECRETS = {
  slackWebhook: `https://hooks.slack.com/services/T0ABC/B0DEF/${'Xy12'.repeat(6)}`,
  githubPat: `github_pat_${'11ABCDEFG0'.repeat(3)}_abcdefghijkl`,
  ghp: `ghp_${'a1B2'.repeat(9)}`,
  sentryKey: '0123456789abcdef0123456789abcdef',
  auth: 'Basic-dXNlcjpodW50ZXIy',
  stripe: `sk_live_${'51Hx9'.repeat(5)}`,
  cookie: 'session-cookie-value-42',
  salt: 'signing-salt-value-42',
  envSecret: 'env-secret-value-42',
  awsId: `AKIA${'IOSFODNN7EXAMPL'}E`,
  slackBot: `xoxb-${'1234567890-'.repeat(3)}abc`,
  pem: `-----BEGIN PRIVATE KEY-----\nMIIEvQ${'k'.repeat(60)}\n-----END PRIVATE KEY-----`,
  dbPassword: 'db-password-value-42',
};

const home = mkdtempSync(path.join(tmpdir(), 'runyard-instance-secrets-'));
let instance: Instance;
let server: UiServer;

beforeAll(async () => {
  writeFileSync(
    path.join(home, 'runyard.yaml'),
    JSON.stringify({
      runLauncher: {
        class: 'ProcessRunLauncher',
        config: {
          env: {
            SLACK_WEBHOOK_URL: SECRETS.slackWebhook,
            NOTIFY_URL: SECRETS.slackWebhook,
            GITHUB_PAT: SECRETS.githubPat,
            CLONE_URL: `https://${SECRETS.ghp}@github.com/acme/jobs.git`,
            SENTRY_DSN: `https://${SECRETS.sentryKey}@o1.ingest.sentry.io/2`,
            ERRORS_TO: `https://${SECRETS.sentryKey}@o1.ingest.sentry.io/2`,
            AUTH: SECRETS.auth,
            STRIPE_SK: SECRETS.stripe,
            BILLING: SECRETS.stripe,
            SESSION_COOKIE: SECRETS.cookie,
            SIGNING_SALT: SECRETS.salt,
            AWS_ID: SECRETS.awsId,
            CHAT: SECRETS.slackBot,
            TLS: SECRETS.pem,
            DATABASE_URL: `postgres://app:${SECRETS.dbPassword}@db:5432/app`,
            LOG_LEVEL: 'debug',
          },
          execArgv: [`--env-secret=${SECRETS.envSecret}`, '--max-old-space-size=512'],
        },
      },
    }),
  );
  instance = await Instance.open({ home });
  server = await startUiServer({ instance, port: 0 });
});
afterAll(async () => {
  await server?.close();
  await instance?.dispose();
  rmSync(home, { recursive: true, force: true });
});

it('shows none of the secrets, and everything else as it is', async () => {
  const response = await fetch(`${server.url}/api/instance`);
  expect(response.status).toBe(200);
  const text = await response.text();
  for (const [form, secret] of Object.entries(SECRETS)) expect(text, form).not.toContain(secret.slice(0, 30));
  const config = JSON.parse(text).config.runLauncher.config;
  expect(config.env.LOG_LEVEL).toBe('debug');
  expect(config.env.DATABASE_URL).toBe('postgres://app:(hidden)@db:5432/app');
  expect(config.env.NOTIFY_URL).toBe('https://hooks.slack.com/(hidden)');
  expect(config.env.ERRORS_TO).toBe('https://(hidden)@o1.ingest.sentry.io/2');
  expect(config.execArgv).toEqual(['--env-secret=(hidden)', '--max-old-space-size=512']);
});
