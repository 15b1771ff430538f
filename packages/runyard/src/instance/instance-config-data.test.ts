import { describe, expect, it } from 'vitest';
import { instanceConfigData, parseInstanceConfig } from './instance-config.js';
import { trustedInstanceConfig } from './instance-config-data.js';

/** What serialize() writes for a config: every default spelt out. */
function written(input: Record<string, unknown> = {}): Record<string, unknown> {
  return instanceConfigData(parseInstanceConfig(input));
}

describe('trustedInstanceConfig', () => {
  it('takes what instanceConfigData writes, as the validator would give it, frozen, with the file', () => {
    const input = {
      storage: { module: '@acme/pg', class: 'PgStorage', config: { url: { env: 'DATABASE_URL' } } },
      runRetries: { maxRetries: 2 },
    };
    const config = trustedInstanceConfig(written(input), '/srv/runyard/runyard.yaml');
    expect(config).toEqual({ ...parseInstanceConfig(input), file: '/srv/runyard/runyard.yaml' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config?.storage.config)).toBe(true);
    expect(trustedInstanceConfig(written(), undefined)).not.toHaveProperty('file');
  });

  it('leaves anything of another shape to the validator', () => {
    const cases: Array<(data: Record<string, any>) => void> = [
      (d) => delete d.runWorker,
      (d) => {
        d.bogus = 1;
      },
      (d) => delete d.runMonitoring.pollIntervalSeconds,
      (d) => {
        d.runMonitoring.extra = 1;
      },
      (d) => {
        d.runMonitoring.enabled = 'yes';
      },
      (d) => {
        d.daemon.heartbeatIntervalSeconds = '5';
      },
      (d) => {
        d.runLauncher = 'ProcessRunLauncher';
      },
      (d) => {
        d.runLauncher.class = '';
      },
      (d) => delete d.runLauncher.class,
      (d) => {
        d.runLauncher.module = 5;
      },
      (d) => {
        d.runLauncher.config = [];
      },
      (d) => {
        d.runLauncher.extra = true;
      },
    ];
    for (const change of cases) {
      const data = written();
      change(data);
      expect(trustedInstanceConfig(data, undefined), change.toString()).toBeUndefined();
    }
    for (const data of [null, [], 'config', {}]) expect(trustedInstanceConfig(data, undefined)).toBeUndefined();
  });
});
