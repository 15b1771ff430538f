import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { queueConfigSchema, redactedUrl, redisUrl } from '../src/queue-config.js';
import { CLI } from './support/queue-harness.js';

/** runyard.yaml's `queue:` section: core accepts the key, this package checks what is inside. */
describe("runyard.yaml 'queue:'", () => {
  const homes: string[] = [];
  afterEach(() => {
    for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
  });
  const withConfig = (yaml: string) => {
    const home = mkdtempSync(path.join(tmpdir(), 'runyard-queue-config-'));
    homes.push(home);
    writeFileSync(path.join(home, 'runyard.yaml'), yaml);
    return home;
  };
  const runyard = (home: string, args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, '--home', home, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

  it('refuses a bad section at load, naming each key path, exit 2, nothing written', () => {
    const home = withConfig(
      'queue:\n  connection: { url: 5 }\n  queues: { warehouse: { limit: 0 } }\n  lockDurationMs: fast\n  colour: blue\n',
    );
    const result = runyard(home, ['run', 'list']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('queue.connection.url');
    expect(result.stderr).toContain('queue.queues.warehouse.limit');
    expect(result.stderr).toContain('queue.lockDurationMs');
    expect(result.stderr).toContain('queue.colour');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(spawnSync('ls', [home], { encoding: 'utf8' }).stdout.trim()).toBe('runyard.yaml');
  });

  it('accepts a good section; queue commands say when the section or its variable is missing', () => {
    const good = withConfig('queue:\n  connection: { url: { env: QUEUE_TEST_URL } }\n');
    expect(runyard(good, ['run', 'list']).status).toBe(0);
    const unset = runyard(good, ['queue', 'status'], { QUEUE_TEST_URL: '' });
    expect(unset.status).toBe(2);
    expect(unset.stderr).toContain('queue.connection.url: environment variable QUEUE_TEST_URL is not set');

    const none = withConfig('runWorker: { heartbeatIntervalSeconds: 2 }\n');
    const missing = runyard(none, ['queue', 'status']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("queues need a 'queue:' section");
  });

  it('reads the URL from the environment and never prints its password', () => {
    const config = queueConfigSchema.parse({ connection: { url: { env: 'R' } } });
    expect(redisUrl(config, { R: 'redis://:s3cret@db:6379/2' })).toBe('redis://:s3cret@db:6379/2');
    expect(redactedUrl('redis://:s3cret@db:6379/2')).toBe('redis://:***@db:6379/2');
    expect(config).toMatchObject({ prefix: 'runyard', defaultQueue: 'default', lockDurationMs: 10_000 });
  });
});
