import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import {
  instanceConfigData,
  loadInstanceConfig,
  parseInstanceConfig,
  parseInstanceConfigAsync,
} from './instance-config.js';
import { DEFAULT_INSTANCE_CONFIG } from './instance-config-defaults.js';

const DEFAULTS = {
  storage: { class: 'SqliteStorage', config: { path: 'runyard.db' } },
  runCoordinator: { class: 'ImmediateRunCoordinator' },
  runLauncher: { class: 'ProcessRunLauncher' },
  computeLogs: { class: 'LocalComputeLogManager' },
  ioManager: { class: 'FileSystemIOManager' },
  runMonitoring: {
    enabled: true,
    startTimeoutSeconds: 180,
    heartbeatTimeoutSeconds: 6,
    pollIntervalSeconds: 2,
    maxResumeAttempts: 0,
    cancelTimeoutSeconds: 60,
  },
  runWorker: { heartbeatIntervalSeconds: 2 },
  daemon: { heartbeatIntervalSeconds: 5, heartbeatToleranceSeconds: 30 },
  runRetries: { enabled: true, maxRetries: 0, retryOnOpFailure: true },
};

const homes: string[] = [];
afterEach(async () => {
  await Promise.all(homes.splice(0).map((home) => rm(home, { recursive: true, force: true })));
});

async function homeWith(yaml?: string): Promise<{ home: string; file: string }> {
  const home = await mkdtemp(path.join(tmpdir(), 'runyard-config-'));
  homes.push(home);
  const file = path.join(home, 'runyard.yaml');
  if (yaml !== undefined) await writeFile(file, yaml);
  return { home, file };
}

/** Loads the YAML and returns the InvalidConfigError it must raise. */
async function loadError(yaml: string): Promise<{ error: InvalidConfigError; file: string }> {
  const { home, file } = await homeWith(yaml);
  const error = await loadInstanceConfig(home).then(
    () => expect.fail('expected an InvalidConfigError'),
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(InvalidConfigError);
  return { error: error as InvalidConfigError, file };
}

describe('loadInstanceConfig', () => {
  it('gives every default when runyard.yaml is absent', async () => {
    const { home } = await homeWith();
    const config = await loadInstanceConfig(home);
    expect(config).toEqual(DEFAULTS);
    expect(config.file).toBeUndefined();
  });

  it('treats an empty file, or one with only comments, as all defaults', async () => {
    for (const yaml of ['', '# nothing here yet\n']) {
      const { home, file } = await homeWith(yaml);
      const config = await loadInstanceConfig(home);
      expect(instanceConfigData(config)).toEqual(DEFAULTS);
      expect(config.file).toBe(file);
    }
  });

  it('fills the keys a section leaves out, and reads an empty section as its defaults', async () => {
    const { home } = await homeWith(
      'runMonitoring:\n  enabled: false\nrunRetries:\nstorage:\n  class: SqliteStorage\n  config:\n',
    );
    const config = await loadInstanceConfig(home);
    expect(config.runMonitoring).toEqual({ ...DEFAULTS.runMonitoring, enabled: false });
    expect(config.runRetries).toEqual(DEFAULTS.runRetries);
    expect(config.storage).toEqual({ class: 'SqliteStorage' });
  });

  it('returns a deeply frozen config', async () => {
    const { home } = await homeWith(
      'storage:\n  class: SqliteStorage\n  config:\n    path: a.db\n    extra: [1, { b: 2 }]\n',
    );
    const config = await loadInstanceConfig(home);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.runMonitoring)).toBe(true);
    expect(Object.isFrozen(config.storage.config)).toBe(true);
    const extra = config.storage.config?.extra as unknown[];
    expect(Object.isFrozen(extra)).toBe(true);
    expect(Object.isFrozen(extra[1])).toBe(true);
  });

  it('names an unknown top-level key, with the file and the valid keys', async () => {
    const { error, file } = await loadError('storage:\n  class: SqliteStorage\nbogus: 1\n');
    expect(error.message).toContain(`${file}: invalid instance config`);
    expect(error.message).toMatch(
      /- bogus: unknown key \(valid keys: storage, runCoordinator, runLauncher, runLaunchers, computeLogs, ioManager, runMonitoring/,
    );
    expect(error.data).toMatchObject({ file });
  });

  it('names unknown nested keys by their full path', async () => {
    const { error } = await loadError(
      'runMonitoring:\n  pollInterval: 5\nstorage:\n  class: SqliteStorage\n  modul: ./x.js\n',
    );
    expect(error.issues.map((i) => i.path).sort()).toEqual(['runMonitoring.pollInterval', 'storage.modul']);
    expect(error.message).toContain(
      'runMonitoring.pollInterval: unknown key (valid keys: enabled, startTimeoutSeconds',
    );
  });

  it('reports every wrong type at once, each with its path and what was expected', async () => {
    const { error, file } = await loadError(
      [
        'runWorker:',
        '  heartbeatIntervalSeconds: "2"',
        'runRetries:',
        '  maxRetries: 1.5',
        '  enabled: yes please',
        'runMonitoring:',
        '  startTimeoutSeconds: -1',
        'runLauncher:',
        '  class: 5',
        'runCoordinator:',
        '  config: []',
        'computeLogs:',
        '  module: ./x.js',
        '',
      ].join('\n'),
    );
    expect(error.message).toContain(file);
    expect(error.issues).toEqual(
      expect.arrayContaining([
        { path: 'runWorker.heartbeatIntervalSeconds', message: 'expected number, got string' },
        { path: 'runRetries.maxRetries', message: 'expected a whole number, got 1.5' },
        { path: 'runRetries.enabled', message: 'expected boolean, got string' },
        { path: 'runMonitoring.startTimeoutSeconds', message: 'expected a number > 0, got -1' },
        { path: 'runLauncher.class', message: 'expected string, got number' },
        { path: 'runCoordinator.config', message: 'expected object, got list' },
        { path: 'runCoordinator.class', message: 'required' },
        { path: 'computeLogs.class', message: 'required' },
      ]),
    );
    expect(error.issues).toHaveLength(8);
  });

  it('reports a YAML syntax error as file:line:col with the reason', async () => {
    const { error, file } = await loadError('storage:\n  class: SqliteStorage\n  config: {path: "x"}}\n');
    expect(error.message).toMatch(new RegExp(`^${escapeRegExp(file)}:3:22: invalid instance config`));
    expect(error.message).toContain('YAML syntax error at line 3, column 22: Unexpected flow-map-end token');
  });

  it('reports duplicate keys as a YAML error', async () => {
    const { error, file } = await loadError('daemon:\n  heartbeatIntervalSeconds: 1\ndaemon: {}\n');
    expect(error.message).toContain(`${file}:3:1`);
    expect(error.message).toContain('Map keys must be unique');
  });

  it('rejects a file that is not a mapping', async () => {
    const { error } = await loadError('- storage\n- daemon\n');
    expect(error.issues).toEqual([{ path: '', message: 'expected a mapping of settings, got list' }]);
  });

  it('keeps { env: NAME } references as written in component config', async () => {
    const { home } = await homeWith(
      'storage:\n  class: PostgresStorage\n  module: "@runyard/postgres"\n  config:\n    url: { env: DATABASE_URL }\n    pool: [{ env: POOL }]\n',
    );
    const config = await loadInstanceConfig(home);
    expect(config.storage.config).toEqual({ url: { env: 'DATABASE_URL' }, pool: [{ env: 'POOL' }] });
  });

  it('rejects a malformed env reference, and env references outside component config', async () => {
    const { error } = await loadError(
      'storage:\n  class: S\n  config:\n    url: { env: 5 }\nrunLauncher:\n  class: L\n  config: { env: ALL }\ndaemon:\n  heartbeatIntervalSeconds: { env: HB }\n',
    );
    expect(error.issues).toEqual(
      expect.arrayContaining([
        { path: 'storage.config.url.env', message: 'expected the name of an environment variable, got 5' },
        { path: 'runLauncher.config', message: expect.stringContaining('not the whole config') },
        {
          path: 'daemon.heartbeatIntervalSeconds',
          message: expect.stringContaining("only a component's config may read the environment"),
        },
      ]),
    );
  });

  it('checks that a dead worker can be told from a live one', async () => {
    const { error } = await loadError('runWorker:\n  heartbeatIntervalSeconds: 10\n');
    expect(error.issues).toEqual([
      {
        path: 'runMonitoring.heartbeatTimeoutSeconds',
        message: expect.stringContaining('must be greater than runWorker.heartbeatIntervalSeconds (10)'),
      },
    ]);
  });
});

describe('the defaults', () => {
  it('are exactly what the schema gives for an empty config, so no file needs no validator', () => {
    expect(DEFAULT_INSTANCE_CONFIG).toEqual(parseInstanceConfig({}));
    expect(DEFAULT_INSTANCE_CONFIG).toEqual(DEFAULTS);
  });

  it('are frozen all the way down', () => {
    expect(Object.isFrozen(DEFAULT_INSTANCE_CONFIG)).toBe(true);
    expect(Object.isFrozen(DEFAULT_INSTANCE_CONFIG.storage.config)).toBe(true);
    expect(Object.isFrozen(DEFAULT_INSTANCE_CONFIG.runMonitoring)).toBe(true);
  });

  it('are what loadInstanceConfig gives when there is no file', async () => {
    const { home } = await homeWith();
    expect(await loadInstanceConfig(home)).toBe(DEFAULT_INSTANCE_CONFIG);
  });
});

describe('parseInstanceConfig', () => {
  it('validates config built in code and never freezes the caller’s objects', () => {
    const storageConfig = { path: 'x.db' };
    const config = parseInstanceConfig({ storage: { class: 'SqliteStorage', config: storageConfig } });
    expect(config.storage.config).toEqual({ path: 'x.db' });
    expect(Object.isFrozen(storageConfig)).toBe(false);
    expect(() => parseInstanceConfig({ runLauncher: { class: '' } })).toThrow(/runLauncher\.class: must not be empty/);
  });

  it('has an async form for Runyard’s own paths, with the same results and messages', async () => {
    const good = { runRetries: { maxRetries: 2 }, storage: { class: 'SqliteStorage' } };
    expect(await parseInstanceConfigAsync(good, { file: '/x/runyard.yaml' })).toEqual(
      parseInstanceConfig(good, { file: '/x/runyard.yaml' }),
    );
    const bad = { runWorker: { heartbeatIntervalSeconds: '2' }, bogus: 1 };
    const message = (() => {
      try {
        parseInstanceConfig(bad);
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain('runWorker.heartbeatIntervalSeconds: expected number, got string');
    await expect(parseInstanceConfigAsync(bad)).rejects.toThrow(message);
  });

  it('gives back mutable data without the file', async () => {
    const { home } = await homeWith('runRetries:\n  maxRetries: 2\n');
    const data = instanceConfigData(await loadInstanceConfig(home));
    expect(data).toEqual({ ...DEFAULTS, runRetries: { ...DEFAULTS.runRetries, maxRetries: 2 } });
    expect(Object.isFrozen(data.storage)).toBe(false);
    expect(parseInstanceConfig(data)).toEqual(data);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
