import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets } from './redact-secrets.js';

describe('redactSecrets', () => {
  it('hides values under secret-looking keys and passwords in URLs, keeping env references', () => {
    expect(
      redactSecrets({
        storage: {
          class: 'PostgresStorage',
          config: { url: 'postgresql://runyard:s3cret@db:5432/runyard', password: 'hunter2', user: 'runyard' },
        },
        runLauncher: { config: { env: { API_TOKEN: 'abc', PLAIN: 'fine' }, apiKey: 'k', secretName: 'x' } },
        other: { password: { env: 'PGPASSWORD' }, list: ['redis://:pw@cache:6379', 'https://example.com/a:b@c'] },
      }),
    ).toEqual({
      storage: {
        class: 'PostgresStorage',
        config: { url: `postgresql://runyard:${REDACTED}@db:5432/runyard`, password: REDACTED, user: 'runyard' },
      },
      runLauncher: { config: { env: { API_TOKEN: REDACTED, PLAIN: 'fine' }, apiKey: REDACTED, secretName: REDACTED } },
      other: {
        password: { env: 'PGPASSWORD' },
        list: [`redis://:${REDACTED}@cache:6379`, 'https://example.com/a:b@c'],
      },
    });
  });
});
