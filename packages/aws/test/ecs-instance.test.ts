import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Instance, parseInstanceConfig } from 'runyard';
import { afterAll, expect, it } from 'vitest';

const home = mkdtempSync(path.join(tmpdir(), 'ry-ecs-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

it('runyard.yaml names EcsRunLauncher by class alone; a bad config names the key', async () => {
  const instance = await Instance.open({
    home,
    config: parseInstanceConfig({
      runLauncher: { class: 'EcsRunLauncher', config: { image: 'jobs:1', region: 'us-east-1' } },
    }),
  });
  try {
    const launcher = await instance.launcher();
    expect(launcher.capabilities).toEqual({ healthCheck: true, resume: true, debugInfo: true });
  } finally {
    await instance.dispose();
  }
  await expect(
    Instance.open({
      home,
      config: parseInstanceConfig({ runLauncher: { class: 'EcsRunLauncher', config: { cluster: 'runs' } } }),
    }),
  ).rejects.toThrow(/image: give either taskDefinition or image/);
});
