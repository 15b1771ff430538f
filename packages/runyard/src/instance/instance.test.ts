import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import { Instance } from './instance.js';
import { parseInstanceConfig } from './instance-config.js';

let root: string;
const open: Instance[] = [];

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'runyard-instance-'));
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(open.splice(0).map((instance) => instance.dispose()));
  await rm(root, { recursive: true, force: true });
});

async function track(promise: Promise<Instance>): Promise<Instance> {
  const instance = await promise;
  open.push(instance);
  return instance;
}

async function homeWith(yaml: string): Promise<string> {
  const home = path.join(root, 'home');
  await mkdir(home, { recursive: true });
  await writeFile(path.join(home, 'runyard.yaml'), yaml);
  return home;
}

const newRun = { jobName: 'hello', origin: { codeLocation: './defs.ts', source: 'cli' } } as const;

describe('Instance.open', () => {
  it('creates the home and the SQLite file, with every default', async () => {
    const home = path.join(root, 'nested', 'home');
    const instance = await track(Instance.open({ home }));
    expect(instance.home).toBe(home);
    expect(existsSync(path.join(home, 'runyard.db'))).toBe(true);
    expect(await instance.info()).toEqual({
      home,
      configFile: null,
      ephemeral: false,
      storage: expect.objectContaining({ kind: 'SqliteStorage', location: path.join(home, 'runyard.db') }),
      runCoordinator: 'ImmediateRunCoordinator',
      runLauncher: 'ProcessRunLauncher',
      computeLogs: 'LocalComputeLogManager',
    });
  });

  it('defaults the home to RUNYARD_HOME, made absolute', async () => {
    vi.stubEnv('RUNYARD_HOME', path.relative(process.cwd(), path.join(root, 'from-env')));
    const instance = await track(Instance.open());
    expect(instance.home).toBe(path.join(root, 'from-env'));
  });

  it('reads runyard.yaml, with the storage path relative to the home', async () => {
    const home = await homeWith(
      'storage:\n  class: SqliteStorage\n  config:\n    path: data/yard.db\nrunRetries:\n  maxRetries: 3\n',
    );
    const instance = await track(Instance.open({ home }));
    expect(instance.configFile).toBe(path.join(home, 'runyard.yaml'));
    expect(instance.config.runRetries.maxRetries).toBe(3);
    expect((await instance.info()).storage.location).toBe(path.join(home, 'data', 'yard.db'));
  });

  it('uses config given in code instead of the file', async () => {
    const home = await homeWith('bogus: true\n');
    const config = parseInstanceConfig({ runWorker: { heartbeatIntervalSeconds: 1 } });
    const instance = await track(Instance.open({ home, config }));
    expect(instance.config.runWorker.heartbeatIntervalSeconds).toBe(1);
    expect(instance.configFile).toBeNull();
  });

  it('writes nothing when runyard.yaml is invalid', async () => {
    const home = await homeWith('storage:\n  class: SqliteStorage\n  config:\n    path: 5\n');
    const error = await Instance.open({ home }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as Error).message).toContain(`${path.join(home, 'runyard.yaml')}: invalid instance config`);
    expect((error as Error).message).toContain('storage.config.path: expected string, got number');
    expect(await readdir(home)).toEqual(['runyard.yaml']);
  });

  it('creates no home when a component is unknown or an environment variable is missing', async () => {
    const home = path.join(root, 'never');
    const unknown = parseInstanceConfig({ storage: { class: 'MysteryStorage' } });
    await expect(Instance.open({ home, config: unknown })).rejects.toThrow(
      "storage.class: unknown class 'MysteryStorage'",
    );
    const fromEnv = parseInstanceConfig({
      storage: { class: 'SqliteStorage', config: { path: { env: 'RUNYARD_TEST_UNSET_DB' } } },
    });
    await expect(Instance.open({ home, config: fromEnv })).rejects.toThrow(
      'storage.config.path: environment variable RUNYARD_TEST_UNSET_DB is not set',
    );
    expect(existsSync(home)).toBe(false);
  });

  it('is disposed once, however often dispose() is called, and refuses use afterwards', async () => {
    const instance = await Instance.open({ home: path.join(root, 'home') });
    await Promise.all([instance.dispose(), instance.dispose()]);
    await instance.dispose();
    expect(() => instance.storage).toThrow(/has been disposed/);
    await expect(instance.info()).rejects.toThrow(/has been disposed/);
  });
});

describe('Instance.ephemeral', () => {
  it('keeps its storage in memory and writes nothing to disk', async () => {
    // Not even the home that open() would pick is touched.
    vi.stubEnv('RUNYARD_HOME', path.join(root, 'default-home'));
    const instance = await track(Instance.ephemeral());
    const run = await instance.storage.runs.createRun(newRun);
    expect(await instance.storage.runs.getRun(run.runId)).toMatchObject({ jobName: 'hello' });
    expect((await instance.info()).storage.location).toBe(':memory:');
    expect(instance.ephemeral).toBe(true);
    expect(existsSync(instance.home)).toBe(false);
    expect(await readdir(root)).toEqual([]);
    expect(() => instance.serialize()).toThrow(/ephemeral instance/);
  });

  it('has the config the validator gives for in-memory SQLite, without running it', async () => {
    const instance = await track(Instance.ephemeral());
    const memory = { storage: { class: 'SqliteStorage', config: { path: ':memory:' } } };
    expect(instance.config).toEqual(parseInstanceConfig(memory));
  });
});

describe('serialization', () => {
  it('rebuilds the same instance from serialize(), sharing its storage', async () => {
    const home = await homeWith('runMonitoring:\n  maxResumeAttempts: 2\n');
    const first = await track(Instance.open({ home }));
    const run = await first.storage.runs.createRun(newRun);

    const second = await track(Instance.fromSerialized(first.serialize()));
    expect(second.home).toBe(home);
    expect(second.configFile).toBe(first.configFile);
    expect(second.config).toEqual(first.config);
    expect(await second.storage.runs.getRun(run.runId)).toMatchObject({ runId: run.runId });
  });

  it('keeps env references unresolved in toConfig() and serialize(), resolving them on open', async () => {
    vi.stubEnv('RUNYARD_TEST_DB_PATH', 'secret-name.db');
    const config = parseInstanceConfig({
      storage: { class: 'SqliteStorage', config: { path: { env: 'RUNYARD_TEST_DB_PATH' } } },
    });
    const home = path.join(root, 'home');
    const instance = await track(Instance.open({ home, config }));
    expect((await instance.info()).storage.location).toBe(path.join(home, 'secret-name.db'));

    expect(instance.toConfig().storage).toEqual({
      class: 'SqliteStorage',
      config: { path: { env: 'RUNYARD_TEST_DB_PATH' } },
    });
    const json = instance.serialize();
    expect(json).not.toContain('secret-name');
    expect(json).toContain('{"env":"RUNYARD_TEST_DB_PATH"}');

    const rebuilt = await track(Instance.fromEnv({ RUNYARD_INSTANCE: json }));
    expect((await rebuilt.info()).storage.location).toBe(path.join(home, 'secret-name.db'));
  });

  it('validates config of another shape, such as one written by hand, filling in its defaults', async () => {
    const home = path.join(root, 'home');
    await mkdir(home);
    const json = JSON.stringify({ version: 1, home, configFile: null, config: { runRetries: { maxRetries: 1 } } });
    const instance = await track(Instance.fromSerialized(json));
    expect(instance.config).toEqual(parseInstanceConfig({ runRetries: { maxRetries: 1 } }));
  });

  it('still checks component config that reads this process’s environment', async () => {
    const config = parseInstanceConfig({
      storage: { class: 'SqliteStorage', config: { path: { env: 'RUNYARD_TEST_DB_PATH' } } },
    });
    vi.stubEnv('RUNYARD_TEST_DB_PATH', 'db.sqlite');
    const json = (await track(Instance.open({ home: path.join(root, 'home'), config }))).serialize();
    vi.stubEnv('RUNYARD_TEST_DB_PATH', '');
    await expect(Instance.fromSerialized(json)).rejects.toThrow('storage.config.path: must not be empty');
  });

  it('rejects what serialize() did not write', async () => {
    await expect(Instance.fromSerialized('{nope')).rejects.toThrow(
      /invalid serialized instance:\n {2}- \(root\): not JSON/,
    );
    await expect(
      Instance.fromSerialized('{"version":1,"home":"relative","configFile":null,"config":{}}'),
    ).rejects.toThrow(/absolute path/);
    await expect(
      Instance.fromSerialized(JSON.stringify({ version: 1, home: root, configFile: null, config: { bogus: 1 } })),
    ).rejects.toThrow(/bogus: unknown key/);
  });
});
