import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ComputeLogManager } from '../compute-logs/compute-log-manager.js';
import { LauncherComputeLogManager } from '../compute-logs/launcher-compute-log-manager.js';
import type { RunCoordinator } from '../coordinator/run-coordinator.js';
import type { IOManager } from '../engine/io-manager.js';
import { InvalidConfigError, RunyardError } from '../errors.js';
import { newRunForJob, type SubmitJobRunOptions, submitRun } from '../launch/submit-run.js';
import type { TerminateRunOptions, TerminateRunResult } from '../launch/terminate-run.js';
import type { ManagedRunLauncher } from '../launcher/managed-run-launcher.js';
import type { RunLauncher } from '../launcher/run-launcher.js';
import { RunLauncherRouter } from '../launcher/run-launcher-router.js';
import type { NewRun, RunRecord } from '../runs/run-record.js';
import type { Storage, StorageInfo } from '../storage/storage.js';
import { type PreparedComponent, prepareComponent } from './component-loader.js';
import { deepFreeze, isPlainObject } from './config-values.js';
import { instanceConfigData, trustedInstanceConfig } from './instance-config-data.js';
import { DEFAULT_INSTANCE_CONFIG } from './instance-config-defaults.js';
import { readInstanceConfig } from './instance-config-file.js';
import type { InstanceConfig } from './instance-config-types.js';
import { parseInstanceConfigAsync } from './instance-config-validate.js';
import { namedLaunchers } from './run-launchers-config.js';

// A run worker imports this module first thing, and startup time is the time from RUN_STARTING to
// RUN_START. So what only the launching side or a config check needs (the launcher wrapper, zod,
// the YAML parser) is imported where it is used, not up here.

interface PreparedComponents {
  readonly runLaunchers: RunLauncherRouter;
  readonly runCoordinator: PreparedComponent<RunCoordinator>;
  readonly computeLogs: PreparedComponent<ComputeLogManager>;
  readonly ioManager: PreparedComponent<IOManager>;
}

/** Picks the instance when `--home` is not given. */
export const HOME_ENV_VAR = 'RUNYARD_HOME';
/** Set by launchers on a run worker: the launching instance, serialized. */
export const INSTANCE_ENV_VAR = 'RUNYARD_INSTANCE';
const DEFAULT_HOME = '.runyard';
const SERIALIZED_VERSION = 1;
const EPHEMERAL_CONFIG: InstanceConfig = deepFreeze({
  ...DEFAULT_INSTANCE_CONFIG,
  storage: { class: 'SqliteStorage', config: { path: ':memory:' } },
});

interface CreateOptions {
  readonly createHome: boolean;
  readonly ephemeral: boolean;
  /** The config was checked before (see ComponentLoadOptions.trusted). */
  readonly trusted: boolean;
}

/**
 * Options of `Instance.open()`: the home, config to use instead of `<home>/runyard.yaml`, and whether
 * to create the home.
 */
export interface InstanceOptions {
  /** Default: env RUNYARD_HOME, else ./.runyard; made absolute. */
  readonly home?: string;
  /** Used instead of reading `<home>/runyard.yaml` (see `parseInstanceConfig`). */
  readonly config?: InstanceConfig;
  /** Create the home directory when missing (default true). */
  readonly createHome?: boolean;
}

/** What `Instance.info()` says: the home, the config file, the storage and the class of each component. */
export interface InstanceInfo {
  readonly home: string;
  readonly configFile: string | null;
  readonly ephemeral: boolean;
  readonly storage: StorageInfo;
  readonly runCoordinator: string;
  /** The launcher's class; with named launchers, each `name (Class)`, the default marked. */
  readonly runLauncher: string;
  /** With named launchers (runyard.yaml `runLaunchers`): each name and its class. */
  readonly runLaunchers?: Readonly<Record<string, string>>;
  readonly computeLogs: string;
}

/**
 * The deployment: its home, its validated config and its components. A composition root only;
 * submitting, launching and executing runs live in services that take what they need from here.
 *
 *   const instance = await Instance.open({ home: '/srv/runyard' });
 *   console.log(await instance.info());
 *   await instance.dispose();
 */
export class Instance {
  readonly home: string;
  readonly config: InstanceConfig;
  /** In-memory storage and a home that is never created: gone when disposed. */
  readonly ephemeral: boolean;
  readonly #storage: Storage;
  readonly #prepared: PreparedComponents;
  #coordinator: Promise<RunCoordinator> | undefined;
  #computeLogs: Promise<ComputeLogManager> | undefined;
  #ioManager: Promise<IOManager> | undefined;
  #disposing: Promise<void> | undefined;

  private constructor(
    home: string,
    config: InstanceConfig,
    storage: Storage,
    prepared: PreparedComponents,
    ephemeral: boolean,
  ) {
    this.home = home;
    this.config = config;
    this.#storage = storage;
    this.#prepared = prepared;
    this.ephemeral = ephemeral;
  }

  /**
   * Reads and checks the config and every component's class and config before it creates anything,
   * so a bad runyard.yaml (or a missing environment variable) leaves the disk untouched.
   */
  static async open(options: InstanceOptions = {}): Promise<Instance> {
    const home = path.resolve(options.home ?? process.env[HOME_ENV_VAR] ?? DEFAULT_HOME);
    const createHome = options.createHome ?? true;
    if (options.config) {
      // Given config is checked again: it may have been built by hand rather than parsed.
      const config = await parseInstanceConfigAsync(instanceConfigData(options.config), { file: options.config.file });
      return Instance.#create(home, config, { createHome, ephemeral: false, trusted: false });
    }
    const { config, trusted } = await readInstanceConfig(home);
    return Instance.#create(home, config, { createHome, ephemeral: false, trusted });
  }

  /** A throwaway instance for `executeJob()`: SQLite in memory, nothing written to disk. */
  static async ephemeral(): Promise<Instance> {
    const home = path.join(tmpdir(), `runyard-ephemeral-${randomUUID()}`);
    return Instance.#create(home, EPHEMERAL_CONFIG, { createHome: false, ephemeral: true, trusted: true });
  }

  /**
   * Rebuilds the instance that `serialize()` described, in another process (a run worker). The
   * config is not validated again when it has the shape `serialize()` writes: the process that
   * wrote it validated it, and this runs on every launch.
   */
  static async fromSerialized(json: string): Promise<Instance> {
    const fail = (message: string) => new InvalidConfigError('serialized instance', [{ path: '', message }]);
    let data: unknown;
    try {
      data = JSON.parse(json);
    } catch (err) {
      throw fail(`not JSON: ${(err as Error).message}`);
    }
    if (!isPlainObject(data) || data.version !== SERIALIZED_VERSION) {
      throw fail(`expected { version: ${SERIALIZED_VERSION}, home, configFile, config } from Instance.serialize()`);
    }
    const { home, configFile, config } = data;
    if (typeof home !== 'string' || !path.isAbsolute(home))
      throw fail(`expected 'home' to be an absolute path, got ${JSON.stringify(home)}`);
    if (configFile !== null && typeof configFile !== 'string') throw fail(`expected 'configFile' to be a path or null`);
    const file = configFile ?? undefined;
    const trusted = trustedInstanceConfig(config, file);
    // Anything else (written by hand, or by another version) is validated in full, and the error says why.
    const parsed = trusted ?? (await parseInstanceConfigAsync(config, { file }));
    // The launching process made the home already; a worker has no business creating one.
    return Instance.#create(home, parsed, { createHome: false, ephemeral: false, trusted: trusted !== undefined });
  }

  /** For a run worker: the instance in RUNYARD_INSTANCE when set, else the one `open()` finds. */
  static async fromEnv(env: Readonly<Record<string, string | undefined>> = process.env): Promise<Instance> {
    const serialized = env[INSTANCE_ENV_VAR];
    if (serialized) return Instance.fromSerialized(serialized);
    return Instance.open({ home: env[HOME_ENV_VAR] ?? DEFAULT_HOME });
  }

  static async #create(home: string, config: InstanceConfig, create: CreateOptions): Promise<Instance> {
    const options = { home, instanceConfig: config, trusted: create.trusted };
    const storage = await prepareComponent('storage', config.storage, options);
    let instance: Instance | undefined;
    // Launchers as written are trusted like the rest of the config; a run's own variable values
    // make a config nobody has checked yet. Config from the launching process (a run worker) is
    // checked launcher by launcher when used, not all at once.
    const runLaunchers = await RunLauncherRouter.open(
      namedLaunchers(config),
      config.runLaunchers === undefined,
      {
        prepare: (component, key, asWritten) =>
          prepareComponent('runLauncher', component, { ...options, key, trusted: asWritten && create.trusted }),
        wrap: (launcher, label, name) => (instance as Instance).#wrapLauncher(launcher, label, name),
      },
      { lazy: create.trusted },
    );
    // Every component is checked now (class found, config valid), so a bad launcher fails at load;
    // each is created only when first used, so read-only commands never start one.
    const prepared: PreparedComponents = {
      runLaunchers,
      runCoordinator: await prepareComponent('runCoordinator', config.runCoordinator, options),
      computeLogs: await prepareComponent('computeLogs', config.computeLogs, options),
      ioManager: await prepareComponent('ioManager', config.ioManager, options),
    };
    if (create.createHome) {
      try {
        await mkdir(home, { recursive: true });
      } catch (err) {
        throw new RunyardError(`cannot create the instance home ${home}: ${(err as Error).message}`, {
          cause: err,
          userError: true,
        });
      }
    }
    instance = new Instance(home, config, await storage.create(), prepared, create.ephemeral);
    return instance;
  }

  get storage(): Storage {
    this.#assertOpen();
    return this.#storage;
  }

  /**
   * A run launcher, wrapped so that its invariants hold whatever the implementation: the default
   * one, or the one named in `runLaunchers`. For a run, use `launcherForRun`.
   */
  launcher(name?: string): Promise<ManagedRunLauncher> {
    this.#assertOpen();
    return this.#prepared.runLaunchers.launcher(name);
  }

  /**
   * The launcher the run was launched with (recorded in its `runyard/launcher` tag), built with the
   * variables it recorded; LauncherNotConfiguredError when runyard.yaml no longer names it.
   */
  launcherForRun(run: Pick<RunRecord, 'runId' | 'tags'>): Promise<ManagedRunLauncher> {
    this.#assertOpen();
    return this.#prepared.runLaunchers.forRun(run);
  }

  /** The named launchers and the routing between them. */
  get runLaunchers(): RunLauncherRouter {
    this.#assertOpen();
    return this.#prepared.runLaunchers;
  }

  async #wrapLauncher(launcher: RunLauncher, label: string, name: string): Promise<ManagedRunLauncher> {
    const { ManagedRunLauncher } = await import('../launcher/managed-run-launcher.js');
    return new ManagedRunLauncher(launcher, {
      name: label,
      launcherName: name,
      storage: this.storage,
      home: this.home,
      computeLogs: await this.computeLogs(),
      serializedInstance: () => this.serialize(),
    });
  }

  coordinator(): Promise<RunCoordinator> {
    this.#assertOpen();
    this.#coordinator ??= this.#prepared.runCoordinator.create();
    return this.#coordinator;
  }

  computeLogs(): Promise<ComputeLogManager> {
    this.#assertOpen();
    // Wrapped so a launcher whose workers run elsewhere (pods, containers) serves their output too.
    this.#computeLogs ??= this.#prepared.computeLogs
      .create()
      .then((base) => new LauncherComputeLogManager(base, this.storage, (run) => this.launcherForRun(run)));
    return this.#computeLogs;
  }

  /** Where launched runs keep step outputs (runyard.yaml's `ioManager`; files under the home by default). */
  ioManager(): Promise<IOManager> {
    this.#assertOpen();
    this.#ioManager ??= this.#prepared.ioManager.create();
    return this.#ioManager;
  }

  /** Creates a run of `job` (config and tags checked first: bad input creates nothing) and submits it. */
  submitJobRun(options: SubmitJobRunOptions): Promise<RunRecord> {
    return this.submitRun(newRunForJob(options));
  }

  /** Creates the run and hands it to the run coordinator, which launches it now or queues it. */
  async submitRun(newRun: NewRun): Promise<RunRecord> {
    // The launcher is chosen and checked (allow-list, variables, per-run override tags such as
    // `runyard/docker`) before the run row exists; the run records the choice in its tags.
    const routed = await this.runLaunchers.route(newRun);
    return submitRun(this.storage, await this.coordinator(), (runId) => this.launchRun(runId), routed);
  }

  /** NOT_STARTED|QUEUED → STARTING, then the run launcher starts a worker. */
  async launchRun(runId: string): Promise<RunRecord> {
    const { launchRun } = await import('../launch/launch-run.js');
    return launchRun(this.storage, (run) => this.launcherForRun(run), runId);
  }

  /** Stops the run: CANCELING, SIGTERM (or equivalent), grace period, kill; see launch/terminate-run.ts. */
  async terminateRun(runId: string, options: TerminateRunOptions = {}): Promise<TerminateRunResult> {
    const { terminateRun } = await import('../launch/terminate-run.js');
    return terminateRun(this.storage, (run) => this.launcherForRun(run), runId, options);
  }

  /** The runyard.yaml the config came from; null for defaults, config given in code, or ephemeral. */
  get configFile(): string | null {
    return this.config.file ?? null;
  }

  /** The config as data: every default spelt out, `{ env: NAME }` references as written, never their values. */
  toConfig(): Record<string, unknown> {
    return instanceConfigData(this.config);
  }

  /** JSON for `fromSerialized`, e.g. in RUNYARD_INSTANCE. Holds no secrets: env references stay references. */
  serialize(): string {
    if (this.ephemeral) {
      throw new RunyardError(
        'an ephemeral instance keeps its storage in memory and cannot be rebuilt in another process',
      );
    }
    return JSON.stringify({
      version: SERIALIZED_VERSION,
      home: this.home,
      configFile: this.configFile,
      config: this.toConfig(),
    });
  }

  async info(): Promise<InstanceInfo> {
    return {
      home: this.home,
      configFile: this.configFile,
      ephemeral: this.ephemeral,
      storage: await this.storage.info(),
      runCoordinator: this.config.runCoordinator.class,
      ...this.#launchersInfo(),
      computeLogs: this.config.computeLogs.class,
    };
  }

  #launchersInfo(): Pick<InstanceInfo, 'runLauncher' | 'runLaunchers'> {
    const named = this.config.runLaunchers;
    if (!named) return { runLauncher: this.config.runLauncher.class };
    const classes = Object.fromEntries(Object.entries(named.launchers).map(([name, l]) => [name, l.class]));
    const described = Object.entries(classes).map(
      ([name, className]) => `${name} (${className}${name === named.default ? ', default' : ''})`,
    );
    return { runLauncher: described.join(', '), runLaunchers: classes };
  }

  /** Idempotent: every call waits for the same shutdown. */
  dispose(): Promise<void> {
    this.#disposing ??= this.#dispose();
    return this.#disposing;
  }

  async #dispose(): Promise<void> {
    await this.#prepared.runLaunchers.dispose();
    const coordinator = await this.#coordinator?.catch(() => undefined);
    await coordinator?.dispose?.();
    await this.#storage.dispose();
    // Anything that did create the ephemeral home (e.g. compute logs) leaves nothing behind.
    if (this.ephemeral) await rm(this.home, { recursive: true, force: true });
  }

  #assertOpen(): void {
    if (this.#disposing) throw new RunyardError(`the instance at ${this.home} has been disposed`);
  }
}
