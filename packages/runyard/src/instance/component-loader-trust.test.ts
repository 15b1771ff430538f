import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidConfigError, RunyardError } from '../errors.js';
import { type ComponentLoadOptions, loadComponent, prepareComponent } from './component-loader.js';
import { ComponentRegistry } from './component-registry.js';
import { DEFAULT_INSTANCE_CONFIG } from './instance-config-defaults.js';

// Schemas that may be imported lazily, and config that was validated before ("trusted").

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'runyard-trust-'));
  // A custom class whose schema rejects everything: it must run even for trusted config. It has
  // a launcher's methods, which are checked before its config.
  await writeFile(
    path.join(dir, 'strict.mjs'),
    `export class Strict {
      static configSchema = { safeParse: () => ({ success: false, error: new Error('checked') }) };
      constructor(config) { this.config = config; }
      async launchRun() {}
      async terminate() {}
      async dispose() {}
    }`,
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A registry whose one built-in counts how often its schema is imported. */
function counting(options: { defaultsInCreate?: boolean } = {}) {
  const registry = new ComponentRegistry();
  const loads = { count: 0 };
  registry.registerBuiltin('runLauncher', 'Lazy', {
    configSchema: async () => {
      loads.count += 1;
      return z.strictObject({ size: z.coerce.number().default(3) });
    },
    ...options,
    create: (config) => ({ config }),
  });
  return { registry, loads };
}

function options(extra: Partial<ComponentLoadOptions>): ComponentLoadOptions {
  return { home: dir, instanceConfig: DEFAULT_INSTANCE_CONFIG, env: {}, ...extra };
}

describe('a lazily imported schema', () => {
  it('is imported and applied when the config is not trusted', async () => {
    const { registry, loads } = counting({ defaultsInCreate: true });
    expect(await loadComponent('runLauncher', { class: 'Lazy', config: { size: '5' } }, options({ registry }))).toEqual(
      { config: { size: 5 } },
    );
    const error = await prepareComponent(
      'runLauncher',
      { class: 'Lazy', config: { colour: 1 } },
      options({ registry }),
    ).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).issues).toEqual([
      { path: 'runLauncher.config.colour', message: 'unknown key (valid keys: size)' },
    ]);
    expect(loads.count).toBe(2);
  });

  it('must give something with safeParse()', async () => {
    const registry = new ComponentRegistry();
    registry.registerBuiltin('runLauncher', 'Broken', { configSchema: async () => ({}) as never, create: () => ({}) });
    const error = await prepareComponent('runLauncher', { class: 'Broken' }, options({ registry })).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(RunyardError);
    expect((error as Error).message).toBe("the config schema of 'Broken' has no safeParse() method");
  });
});

describe('trusted config', () => {
  it('goes to a built-in that fills in its own defaults as written, without importing its schema', async () => {
    const { registry, loads } = counting({ defaultsInCreate: true });
    const trusted = options({ registry, trusted: true });
    expect(await loadComponent('runLauncher', { class: 'Lazy' }, trusted)).toEqual({ config: {} });
    expect(await loadComponent('runLauncher', { class: 'Lazy', config: { size: 4 } }, trusted)).toEqual({
      config: { size: 4 },
    });
    expect(loads.count).toBe(0);
  });

  it('is still checked when it reads this process’s environment, which its writer never saw', async () => {
    const { registry, loads } = counting({ defaultsInCreate: true });
    const raw = { class: 'Lazy', config: { size: { env: 'SIZE' } } };
    expect(await loadComponent('runLauncher', raw, options({ registry, trusted: true, env: { SIZE: '7' } }))).toEqual({
      config: { size: 7 },
    });
    expect(loads.count).toBe(1);
  });

  it('is still checked by a built-in that relies on its schema for defaults', async () => {
    const { registry, loads } = counting();
    expect(await loadComponent('runLauncher', { class: 'Lazy' }, options({ registry, trusted: true }))).toEqual({
      config: { size: 3 },
    });
    expect(loads.count).toBe(1);
  });

  it('is always checked by a custom class', async () => {
    const raw = { module: './strict.mjs', class: 'Strict', config: {} };
    const error = await prepareComponent('runLauncher', raw, options({ trusted: true })).catch((err: unknown) => err);
    expect((error as InvalidConfigError).issues).toEqual([{ path: 'runLauncher.config', message: 'checked' }]);
  });
});
