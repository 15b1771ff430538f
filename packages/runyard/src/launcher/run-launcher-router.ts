import { type ConfigIssue, InvalidConfigError, RunyardError } from '../errors.js';
import type { ComponentConfig } from '../instance/component-config.js';
import type { PreparedComponent } from '../instance/component-loader.js';
import {
  type LauncherVariable,
  launcherComponent,
  type NamedLauncherConfig,
  type RunLaunchersConfig,
} from '../instance/run-launchers-config.js';
import type { NewRun, RunRecord } from '../runs/run-record.js';
import { isAllowed, LAUNCHER_TAG, type RouteRequest, routeRun } from './launcher-routing.js';
import {
  applyLauncherVars,
  LAUNCHER_VARS_TAG,
  type LauncherVars,
  resolveLauncherVars,
  varsKey,
} from './launcher-variables.js';
import type { ManagedRunLauncher } from './managed-run-launcher.js';
import type { RunLauncher } from './run-launcher.js';

/** What the router needs from the instance: checking a launcher's config, and wrapping one. */
export interface RunLauncherRouterDeps {
  /**
   * Finds the class and validates the config (prepareComponent), at the launcher's key path.
   * `asWritten`: the config with its variables' defaults, as runyard.yaml gives it (so it may be
   * trusted like the rest of the config); false when a run's own values made it.
   */
  prepare(component: ComponentConfig, key: string, asWritten: boolean): Promise<PreparedComponent<RunLauncher>>;
  /** The managed wrapper around a created launcher; `label` names it in messages. */
  wrap(launcher: RunLauncher, label: string, name: string): Promise<ManagedRunLauncher>;
}

/** A run recorded a launcher that runyard.yaml no longer names: nothing else may act for it. */
export class LauncherNotConfiguredError extends RunyardError {
  constructor(
    readonly runId: string,
    readonly launcherName: string,
    names: readonly string[],
  ) {
    super(
      `run ${runId} was launched with launcher '${launcherName}', which runyard.yaml no longer names (launchers: ${names.join(', ')}); put the launcher back to stop, check or resume its worker`,
      { data: { runId, launcher: launcherName }, userError: true },
    );
  }
}

/** One launcher a job may use, for the Launchpad. */
export interface LauncherChoice {
  readonly name: string;
  readonly class: string;
  readonly isDefault: boolean;
  readonly variables: Readonly<Record<string, LauncherVariable>>;
}

/**
 * The instance's named launchers (runyard.yaml `runLaunchers`, or the single `runLauncher` as one
 * named `default`). Routes each submitted run to one of them (launcher-routing.ts) and gives back,
 * for any run later, the launcher it recorded, built with the variables it recorded: monitoring,
 * terminate, resume and logs all ask here. Each launcher is created on first use, once per set of
 * variable values, and disposed with the instance.
 */
export class RunLauncherRouter {
  readonly config: RunLaunchersConfig;
  /** Written as the single `runLauncher` key: messages keep naming the class alone. */
  readonly #single: boolean;
  readonly #deps: RunLauncherRouterDeps;
  /** Prepared with each launcher's default variables, at load. */
  readonly #prepared: Map<string, PreparedComponent<RunLauncher>>;
  readonly #created = new Map<string, Promise<ManagedRunLauncher>>();
  #disposed = false;

  private constructor(
    config: RunLaunchersConfig,
    single: boolean,
    deps: RunLauncherRouterDeps,
    prepared: Map<string, PreparedComponent<RunLauncher>>,
  ) {
    this.config = config;
    this.#single = single;
    this.#deps = deps;
    this.#prepared = prepared;
  }

  /**
   * Checks every launcher's class and config (with its variables' defaults) now, so a bad entry
   * fails the instance's load with its key path, every problem at once. `lazy` (a run worker, whose
   * config the launching process checked) checks each one when it is first used instead: a worker
   * launched by the process launcher need not import the Docker plug-in named beside it.
   */
  static async open(
    config: RunLaunchersConfig,
    single: boolean,
    deps: RunLauncherRouterDeps,
    options: { readonly lazy?: boolean } = {},
  ): Promise<RunLauncherRouter> {
    const prepared = new Map<string, PreparedComponent<RunLauncher>>();
    if (options.lazy && !single) return new RunLauncherRouter(config, single, deps, prepared);
    const issues: ConfigIssue[] = [];
    let file: string | undefined;
    for (const [name, entry] of Object.entries(config.launchers)) {
      const key = single ? 'runLauncher' : `runLaunchers.launchers.${name}`;
      try {
        prepared.set(name, await deps.prepare(withVars(entry, defaults(entry)), key, true));
      } catch (error) {
        if (!(error instanceof InvalidConfigError) || single) throw error;
        issues.push(...error.issues);
        file ??= error.data.file as string | undefined;
      }
    }
    if (issues.length) throw new InvalidConfigError('instance config', issues, file ? { file } : {});
    return new RunLauncherRouter(config, single, deps, prepared);
  }

  get defaultName(): string {
    return this.config.default;
  }

  get names(): readonly string[] {
    return Object.keys(this.config.launchers);
  }

  has(name: string): boolean {
    return Object.hasOwn(this.config.launchers, name);
  }

  /**
   * Decides a new run's launcher and checks everything about the choice before the run exists:
   * the launcher is named, its allow-list lets the run in, its variables are valid, its config with
   * them is valid, and its own per-run override tags (`runyard/docker` …) pass. Returns the run with
   * the choice recorded in its tags; throws InvalidConfigError listing every problem.
   */
  async route(newRun: NewRun): Promise<NewRun> {
    const request: RouteRequest = { jobName: newRun.jobName, tags: newRun.tags ?? {} };
    const routed = routeRun(this.config, request);
    if (!routed.ok) throw new InvalidConfigError(`launcher choice for job '${newRun.jobName}'`, routed.issues);
    const entry = this.config.launchers[routed.name] as NamedLauncherConfig;
    if (Object.keys(entry.variables ?? {}).length > 0 && varsKey(routed.vars) !== varsKey(defaults(entry))) {
      // The launcher's own schema must accept the config the variables make (e.g. a memory size).
      try {
        await this.#deps.prepare(
          withVars(entry, routed.vars),
          `${LAUNCHER_VARS_TAG} → ${this.#key(routed.name)}`,
          false,
        );
      } catch (error) {
        if (error instanceof InvalidConfigError) {
          throw new InvalidConfigError(`launcher variables for job '${newRun.jobName}'`, error.issues);
        }
        throw error;
      }
    }
    const launcher = await this.launcher(routed.name, routed.vars);
    await launcher.checkRunTags(request);
    return { ...newRun, tags: { ...request.tags, ...routed.tags } };
  }

  /** `route`'s problems without throwing, for a form that checks as the user types (empty: fine). */
  async check(newRun: NewRun): Promise<readonly ConfigIssue[]> {
    try {
      await this.route(newRun);
      return [];
    } catch (error) {
      if (error instanceof InvalidConfigError) return error.issues;
      throw error;
    }
  }

  /** The launcher the run recorded (runs from before named launchers: the default), with its variables. */
  forRun(run: Pick<RunRecord, 'runId' | 'tags'>): Promise<ManagedRunLauncher> {
    const name = this.nameOf(run);
    if (!this.has(name)) return Promise.reject(new LauncherNotConfiguredError(run.runId, name, this.names));
    const entry = this.config.launchers[name] as NamedLauncherConfig;
    return this.launcher(name, recordedVars(entry, run.tags[LAUNCHER_VARS_TAG], name));
  }

  /** The name of the launcher the run went to (or will go to, while it is queued). */
  nameOf(run: Pick<RunRecord, 'tags'>): string {
    return run.tags[LAUNCHER_TAG] ?? this.config.default;
  }

  /** The named launcher, created on first use; `vars` default to the launcher's defaults. */
  launcher(name: string = this.config.default, vars?: LauncherVars): Promise<ManagedRunLauncher> {
    if (this.#disposed) return Promise.reject(new RunyardError("the instance's run launchers have been disposed"));
    const entry = this.config.launchers[name];
    if (!entry)
      return Promise.reject(
        new RunyardError(`runyard.yaml names no launcher '${name}' (launchers: ${this.names.join(', ')})`),
      );
    const values = vars ?? defaults(entry);
    const cacheKey = `${name} ${varsKey(values)}`;
    let created = this.#created.get(cacheKey);
    if (!created) {
      created = (async () => {
        const asWritten = varsKey(values) === varsKey(defaults(entry));
        let prepared = asWritten ? this.#prepared.get(name) : undefined;
        if (!prepared) {
          prepared = await this.#deps.prepare(withVars(entry, values), this.#key(name), asWritten);
          if (asWritten) this.#prepared.set(name, prepared);
        }
        return this.#deps.wrap(await prepared.create(), this.#label(name, entry), name);
      })();
      // A launcher that failed to be created is tried again next time, not remembered broken.
      created.catch(() => this.#created.delete(cacheKey));
      this.#created.set(cacheKey, created);
    }
    return created;
  }

  /** The launchers created so far (for monitoring's per-launcher batches and for dispose). */
  async created(): Promise<ManagedRunLauncher[]> {
    const settled = await Promise.allSettled(this.#created.values());
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }

  /** The launchers a run of `jobName` with `tags` may use, for the Launchpad. */
  choicesFor(jobName: string, tags: Readonly<Record<string, string>>): LauncherChoice[] {
    return Object.entries(this.config.launchers)
      .filter(([, entry]) => isAllowed(entry, { jobName, tags }))
      .map(([name, entry]) => ({
        name,
        class: entry.class,
        isDefault: name === this.config.default,
        variables: entry.variables ?? {},
      }));
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    await Promise.all((await this.created()).map((launcher) => launcher.dispose()));
  }

  #key(name: string): string {
    return this.#single ? 'runLauncher' : `runLaunchers.launchers.${name}`;
  }

  #label(name: string, entry: NamedLauncherConfig): string {
    return this.#single ? entry.class : `launcher '${name}' (${entry.class})`;
  }
}

function defaults(entry: NamedLauncherConfig): LauncherVars {
  return Object.fromEntries(Object.entries(entry.variables ?? {}).map(([name, v]) => [name, v.default]));
}

function withVars(entry: NamedLauncherConfig, vars: LauncherVars): ComponentConfig {
  const component = launcherComponent(entry);
  if (component.config === undefined || Object.keys(vars).length === 0) return component;
  return { ...component, config: applyLauncherVars(component.config, vars) as Record<string, unknown> };
}

/**
 * The variables a run recorded, read against the config as it is now: a value the config no
 * longer accepts (the owner narrowed `allowed`) falls back to the default rather than stranding
 * the run without a launcher.
 */
function recordedVars(entry: NamedLauncherConfig, text: string | undefined, name: string): LauncherVars {
  const declared = entry.variables ?? {};
  const strict = resolveLauncherVars(declared, text, name);
  if (strict.ok) return strict.vars;
  const out: Record<string, LauncherVars[string]> = { ...defaults(entry) };
  let given: Record<string, unknown> = {};
  try {
    given = JSON.parse(text ?? '{}') as Record<string, unknown>;
  } catch {
    return out;
  }
  for (const [varName, value] of Object.entries(given)) {
    if (!Object.hasOwn(declared, varName)) continue;
    const one = resolveLauncherVars(
      { [varName]: declared[varName] as LauncherVariable },
      JSON.stringify({ [varName]: value }),
      name,
    );
    if (one.ok) out[varName] = one.vars[varName] as LauncherVars[string];
  }
  return out;
}
