import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidConfigError, RunyardError } from '../errors.js';
import type { ComponentConfig } from './component-config.js';
import { type ComponentLoadOptions, loadComponent, prepareComponent } from './component-loader.js';
import { type ComponentContext, ComponentRegistry } from './component-registry.js';
import { type InstanceConfig, parseInstanceConfig } from './instance-config.js';

// Fixture modules live in a temp dir that acts as the instance home, as a user's would. They reach
// zod through a node_modules symlink, the way a project beside its runyard.yaml would.
const FIXTURES: Record<string, string> = {
  'launchers/fake-launcher.mjs': `
    import { z } from 'zod';
    export class FakeLauncher {
      static configSchema = z.strictObject({ size: z.number().default(1), token: z.string().optional() });
      constructor(config, ctx) { this.config = config; this.ctx = ctx; this.initialized = false; }
      async init() { await Promise.resolve(); this.initialized = true; }
    }
    export class HandChecked {
      static configSchema = {
        safeParse: (v) => typeof v.n === 'number' ? { success: true, data: { n: v.n * 2 } } : { success: false, error: new Error('n must be a number') },
      };
      constructor(config) { this.config = config; }
    }
    export class NoSchema { constructor(config) { this.config = config; } }
    export class BadSchema { static configSchema = { parse() {} }; }
    export class FailsInit {
      constructor() { globalThis.__runyardFailsInit = this; this.disposed = false; }
      async init() { throw new Error('cannot reach db:5432'); }
      async dispose() { this.disposed = true; }
    }
    export class Throws { constructor() { throw new Error('boom'); } }
    export class NotAStorage { migrate() {} }
    export const notAClass = { a: 1 };
  `,
  'broken.mjs': 'export class {\n',
  'node_modules/my-plugin/package.json': JSON.stringify({
    name: 'my-plugin',
    type: 'module',
    // ESM-only, the shape require.resolve cannot find.
    exports: { '.': { types: './index.d.ts', import: './index.js' }, './extra': './extra.js' },
  }),
  'node_modules/my-plugin/index.js': 'export class PluginLauncher { constructor(config) { this.config = config; } }\n',
  'node_modules/my-plugin/extra.js': 'export class ExtraLauncher { constructor(config) { this.config = config; } }\n',
};

let dir: string;
let instanceConfig: InstanceConfig;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'runyard-components-'));
  for (const [name, text] of Object.entries(FIXTURES)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  const zodDir = path.dirname(createRequire(import.meta.url).resolve('zod/package.json'));
  await symlink(zodDir, path.join(dir, 'node_modules', 'zod'), 'dir');
  instanceConfig = parseInstanceConfig({}, { file: path.join(dir, 'runyard.yaml') });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function options(extra: Partial<ComponentLoadOptions> = {}): ComponentLoadOptions {
  return { home: dir, instanceConfig, registry: new ComponentRegistry(), env: {}, ...extra };
}

async function configError(promise: Promise<unknown>): Promise<InvalidConfigError> {
  const error = await promise.then(
    () => expect.fail('expected an InvalidConfigError'),
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(InvalidConfigError);
  expect((error as Error).message).toContain(path.join(dir, 'runyard.yaml'));
  return error as InvalidConfigError;
}

const custom = (cls: string, config?: Record<string, unknown>): ComponentConfig => ({
  module: './launchers/fake-launcher.mjs',
  class: cls,
  ...(config ? { config } : {}),
});

describe('built-in components', () => {
  const registry = new ComponentRegistry();
  const created: Array<{ config: unknown; ctx: ComponentContext }> = [];
  registry.registerBuiltin('runLauncher', 'ProcessRunLauncher', {
    configSchema: z.strictObject({ url: z.string(), port: z.coerce.number().default(80) }),
    create: (config, ctx) => {
      created.push({ config, ctx });
      return { config };
    },
  });
  registry.registerBuiltin('runLauncher', 'AnotherLauncher', { create: () => ({}) });

  it('creates a built-in by class name, resolving env references and validating config', async () => {
    const raw = {
      class: 'ProcessRunLauncher',
      config: { url: { env: 'LAUNCHER_URL' }, port: { env: 'LAUNCHER_PORT' } },
    };
    const launcher = await loadComponent(
      'runLauncher',
      raw,
      options({ registry, env: { LAUNCHER_URL: 'http://x', LAUNCHER_PORT: '81' } }),
    );
    expect(launcher).toEqual({ config: { url: 'http://x', port: 81 } });
    const { ctx } = created.at(-1)!;
    expect(ctx).toMatchObject({ kind: 'runLauncher', key: 'runLauncher', home: dir, instanceConfig });
    // The raw form keeps the reference, so the component can write itself back without the secret.
    expect(ctx.raw.config).toEqual({ url: { env: 'LAUNCHER_URL' }, port: { env: 'LAUNCHER_PORT' } });
  });

  it('names a missing environment variable by key path, once', async () => {
    const raw = { class: 'ProcessRunLauncher', config: { url: { env: 'DATABASE_URL' }, extra: 1 } };
    const error = await configError(prepareComponent('runLauncher', raw, options({ registry })));
    expect(error.issues).toEqual([
      { path: 'runLauncher.config.url', message: 'environment variable DATABASE_URL is not set' },
      { path: 'runLauncher.config.extra', message: expect.stringMatching(/^unknown key/) },
    ]);
    expect(error.message).toContain('runLauncher.config.url: environment variable DATABASE_URL is not set');
  });

  it('lists the built-ins when the class is unknown', async () => {
    const error = await configError(prepareComponent('runLauncher', { class: 'Foo' }, options({ registry })));
    expect(error.issues).toEqual([
      {
        path: 'runLauncher.class',
        message: "unknown class 'Foo'; built-ins: AnotherLauncher, ProcessRunLauncher; custom classes need 'module'",
      },
    ]);
    const none = await configError(prepareComponent('computeLogs', { class: 'Foo' }, options({ registry })));
    expect(none.message).toContain('built-ins: none yet');
  });

  it('imports a plug-in class named alone from its package, and says which package is missing', async () => {
    registry.registerPluginClass('storage', 'NowhereStorage', '@runyard/not-a-real-package');
    const error = await configError(prepareComponent('storage', { class: 'NowhereStorage' }, options({ registry })));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({
      path: 'storage.class',
      message: expect.stringContaining(
        "'NowhereStorage' comes from the package '@runyard/not-a-real-package', which could not be loaded (is it installed? npm install @runyard/not-a-real-package)",
      ),
    });
    // A built-in of the same name wins over a plug-in class.
    registry.registerPluginClass('runLauncher', 'AnotherLauncher', '@runyard/not-a-real-package');
    await expect(loadComponent('runLauncher', { class: 'AnotherLauncher' }, options({ registry }))).resolves.toEqual(
      {},
    );
  });

  it('refuses to register the same built-in twice', () => {
    expect(() => registry.registerBuiltin('runLauncher', 'AnotherLauncher', { create: () => ({}) })).toThrow(
      /already registered/,
    );
  });

  it('checks the members a kind requires', async () => {
    const strict = new ComponentRegistry();
    strict.requireMembers('storage', ['runs', 'migrate']);
    strict.registerBuiltin('storage', 'Half', { create: () => ({ migrate: () => undefined }) as never });
    const error = await configError(loadComponent('storage', { class: 'Half' }, options({ registry: strict })));
    expect(error.issues).toEqual([{ path: 'storage.class', message: "'Half' is not a storage: it lacks runs" }]);
  });
});

describe('custom components', () => {
  it('loads a class from a module relative to the config file, validates its config and awaits init()', async () => {
    const launcher = (await loadComponent(
      'runLauncher',
      custom('FakeLauncher', { token: { env: 'TOKEN' } }),
      options({ env: { TOKEN: 's3cret' } }),
    )) as {
      config: unknown;
      ctx: ComponentContext;
      initialized: boolean;
    };
    expect(launcher.constructor.name).toBe('FakeLauncher');
    expect(launcher.config).toEqual({ size: 1, token: 's3cret' });
    expect(launcher.initialized).toBe(true);
    expect(launcher.ctx.raw).toEqual(custom('FakeLauncher', { token: { env: 'TOKEN' } }));
  });

  it('accepts any schema with safeParse, and no schema at all', async () => {
    const hand = (await loadComponent('runLauncher', custom('HandChecked', { n: 2 }), options())) as {
      config: unknown;
    };
    expect(hand.config).toEqual({ n: 4 });
    const handError = await configError(prepareComponent('runLauncher', custom('HandChecked', { n: 'x' }), options()));
    expect(handError.issues).toEqual([{ path: 'runLauncher.config', message: 'n must be a number' }]);
    const plain = (await loadComponent('runLauncher', custom('NoSchema', { any: [1] }), options())) as {
      config: unknown;
    };
    expect(plain.config).toEqual({ any: [1] });
  });

  it('loads a class from a package installed beside the config', async () => {
    const plugin = await loadComponent(
      'runLauncher',
      { module: 'my-plugin', class: 'PluginLauncher', config: { a: 1 } },
      options(),
    );
    expect(plugin).toMatchObject({ config: { a: 1 } });
    expect(plugin.constructor.name).toBe('PluginLauncher');
    const extra = await loadComponent('runLauncher', { module: 'my-plugin/extra', class: 'ExtraLauncher' }, options());
    expect(extra.constructor.name).toBe('ExtraLauncher');
  });

  it('reports config that fails the class schema under the component key', async () => {
    const error = await configError(
      prepareComponent('runLauncher', custom('FakeLauncher', { size: 'big', colour: 1 }), options()),
    );
    expect(error.issues).toEqual([
      { path: 'runLauncher.config.size', message: 'expected number, got string' },
      { path: 'runLauncher.config.colour', message: 'unknown key (valid keys: size, token)' },
    ]);
  });

  it('reports a module that cannot be loaded, keeping the cause', async () => {
    const missing = await configError(prepareComponent('runLauncher', { module: './nope.mjs', class: 'X' }, options()));
    expect(missing.issues).toEqual([
      { path: 'runLauncher.module', message: expect.stringMatching(/^cannot load '\.\/nope\.mjs': .+/) },
    ]);
    expect(missing.cause).toBeInstanceOf(Error);
    const broken = await configError(
      prepareComponent('runLauncher', { module: './broken.mjs', class: 'X' }, options()),
    );
    expect(broken.issues[0]?.path).toBe('runLauncher.module');
    expect(broken.issues[0]?.message).toMatch(/^cannot load '\.\/broken\.mjs': .+/);
    const noPackage = await configError(
      prepareComponent('runLauncher', { module: 'no-such-plugin-xyz', class: 'X' }, options()),
    );
    expect(noPackage.issues[0]?.message).toMatch(/^cannot load 'no-such-plugin-xyz': .+/);
  });

  it('reports a missing export with what the module does export', async () => {
    const error = await configError(prepareComponent('runLauncher', custom('Nope'), options()));
    expect(error.issues).toEqual([
      {
        path: 'runLauncher.class',
        message: expect.stringMatching(
          /^'\.\/launchers\/fake-launcher\.mjs' has no export 'Nope' \(it exports .*FakeLauncher/,
        ),
      },
    ]);
  });

  it('reports an export that is not a class, and a configSchema without safeParse', async () => {
    const notClass = await configError(prepareComponent('runLauncher', custom('notAClass'), options()));
    expect(notClass.issues).toEqual([
      {
        path: 'runLauncher.class',
        message: "export 'notAClass' of './launchers/fake-launcher.mjs' is not a class (got object)",
      },
    ]);
    const badSchema = await configError(prepareComponent('runLauncher', custom('BadSchema'), options()));
    expect(badSchema.issues[0]?.message).toMatch(/BadSchema\.configSchema must have a safeParse\(\) method/);
  });

  it('rejects a class that is not the kind asked for', async () => {
    const registry = new ComponentRegistry();
    registry.requireMembers('storage', ['runs', 'events', 'migrate']);
    const error = await configError(loadComponent('storage', custom('NotAStorage'), options({ registry })));
    expect(error.issues).toEqual([
      {
        path: 'storage.class',
        message: "'NotAStorage' from './launchers/fake-launcher.mjs' is not a storage: it lacks runs, events",
      },
    ]);
  });

  it('wraps a failing constructor or init() with the key, and disposes what init() left behind', async () => {
    await expect(loadComponent('runLauncher', custom('Throws'), options())).rejects.toThrow(
      "runLauncher: could not create 'Throws' from './launchers/fake-launcher.mjs': boom",
    );
    const error = await loadComponent('runLauncher', custom('FailsInit'), options()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RunyardError);
    expect((error as Error).message).toContain('cannot reach db:5432');
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect((globalThis as { __runyardFailsInit?: { disposed: boolean } }).__runyardFailsInit?.disposed).toBe(true);
  });
});
