import type { RunRecord } from 'runyard';
import { describe, expect, it } from 'vitest';
import { containerSpec } from './docker-container-spec.js';
import { dockerRunLauncherConfigSchema } from './docker-run-launcher-config.js';

describe("a run worker container's environment", () => {
  it('never holds the server-only access token, whether passed through or configured', () => {
    const settings = dockerRunLauncherConfigSchema.parse({
      image: 'jobs:1',
      env: { RUNYARD_AUTH_TOKEN: 'configured-token-0123456789', PLAIN: '1' },
      passEnv: ['RUNYARD_AUTH_TOKEN', 'PGPASSWORD'],
    });
    const spec = containerSpec({
      settings,
      run: { runId: 'r1', jobName: 'j' } as RunRecord,
      home: '/home',
      namePrefix: 'runyard-',
      args: ['worker', 'execute-run', 'r1'],
      workerEnv: { RUNYARD_INSTANCE: '{}' },
      launcherEnv: { RUNYARD_AUTH_TOKEN: 'launcher-token-0123456789', PGPASSWORD: 'pw', HOME: '/root' },
    });
    expect(spec.Env).toEqual(['PGPASSWORD=pw', 'PLAIN=1', 'RUNYARD_INSTANCE={}']);
  });
});
