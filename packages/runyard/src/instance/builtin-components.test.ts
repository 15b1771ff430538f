import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalComputeLogManager } from '../compute-logs/local-compute-log-manager.js';
import type { ProcessRunLauncher } from '../launcher/process/process-run-launcher.js';
import { SqliteStorage } from '../storage/sqlite/sqlite-storage.js';
import { DEFAULT_SQLITE_PATH } from '../storage/sqlite/sqlite-storage-config.js';
import {
  immediateRunCoordinatorConfigSchema,
  localComputeLogManagerConfigSchema,
  processRunLauncherConfigSchema,
} from './builtin-component-schemas.js';
import type { ComponentConfig } from './component-config.js';
import { type ComponentLoadOptions, loadComponent } from './component-loader.js';
import type { ComponentKind } from './component-registry.js';
import { DEFAULT_COMPUTE_LOGS_DIR, DEFAULT_INSTANCE_CONFIG } from './instance-config-defaults.js';

// Trusted config reaches each built-in's create() without its schema, so create() must fill in
// the defaults the schema would: the same component either way.

let home: string;
const disposers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'runyard-builtins-'));
});

afterAll(async () => {
  await Promise.all(disposers.map((dispose) => dispose()));
  await rm(home, { recursive: true, force: true });
});

async function both<T>(kind: ComponentKind, component: ComponentConfig): Promise<[T, T]> {
  const options = (trusted: boolean): ComponentLoadOptions => ({
    home,
    instanceConfig: DEFAULT_INSTANCE_CONFIG,
    env: {},
    trusted,
  });
  const created = [
    await loadComponent(kind, component, options(true)),
    await loadComponent(kind, component, options(false)),
  ];
  for (const item of created) {
    const dispose = (item as { dispose?: () => Promise<void> }).dispose;
    if (dispose) disposers.push(() => dispose.call(item));
  }
  return created as [T, T];
}

describe('built-in components', () => {
  it('SqliteStorage opens the same file from trusted and validated config', async () => {
    for (const component of [{ class: 'SqliteStorage' }, DEFAULT_INSTANCE_CONFIG.storage]) {
      const [trusted, checked] = await both<SqliteStorage>('storage', component);
      expect((await trusted.info()).location).toBe(path.join(home, DEFAULT_SQLITE_PATH));
      expect((await checked.info()).location).toBe((await trusted.info()).location);
    }
    expect((await SqliteStorage.loadConfigSchema()).parse({})).toEqual({ path: DEFAULT_SQLITE_PATH });
  });

  it('LocalComputeLogManager uses the same directory from trusted and validated config', async () => {
    const [trusted, checked] = await both<LocalComputeLogManager>('computeLogs', DEFAULT_INSTANCE_CONFIG.computeLogs);
    expect(trusted.baseDir).toBe(path.join(home, DEFAULT_COMPUTE_LOGS_DIR));
    expect(checked.baseDir).toBe(trusted.baseDir);
    expect(localComputeLogManagerConfigSchema.parse(undefined)).toEqual({ baseDir: DEFAULT_COMPUTE_LOGS_DIR });
  });

  it('ProcessRunLauncher and ImmediateRunCoordinator add no defaults of their own', async () => {
    const [trusted, checked] = await both<ProcessRunLauncher>('runLauncher', DEFAULT_INSTANCE_CONFIG.runLauncher);
    expect(trusted.terminateGraceMs).toBe(10_000);
    expect(checked.terminateGraceMs).toBe(trusted.terminateGraceMs);
    expect(processRunLauncherConfigSchema.parse(undefined)).toEqual({});
    await both('runCoordinator', DEFAULT_INSTANCE_CONFIG.runCoordinator);
    expect(immediateRunCoordinatorConfigSchema.parse(undefined)).toEqual({});
  });
});
