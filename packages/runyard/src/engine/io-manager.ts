/** Identifies one step's output: the run that produced it and the step. */
export interface OutputKey {
  readonly runId: string;
  readonly stepKey: string;
}

/**
 * Where step outputs live between steps. In process they stay in memory; when steps run in
 * other processes, or a resumed or retried run reuses earlier outputs, they must be stored.
 */
export interface IOManager {
  storeOutput(key: OutputKey, value: unknown): void | Promise<void>;
  loadOutput(key: OutputKey): unknown | Promise<unknown>;
  hasOutput(key: OutputKey): boolean | Promise<boolean>;
  /**
   * How another process (a step process of the multiprocess executor) builds the same IO manager.
   * Without it, outputs cannot leave this process.
   */
  toChildConfig?(): IOManagerChildConfig;
  /**
   * Where the outputs are reachable from: `machine` (this machine's disk only), `shared` (any
   * machine with the credentials, e.g. S3). Executors whose steps may run on other machines (the
   * queue executor) refuse a `machine` one at launch. Absent: not declared, taken as shared.
   */
  readonly locality?: 'machine' | 'shared';
}

/**
 * An IO manager written as data, like a component in runyard.yaml: built-ins are named by `class`
 * alone; a custom one adds the `module` that exports the class (a package name, an absolute path
 * or a file: URL such as `import.meta.url`), and is built with `new Class(config)`.
 */
export interface IOManagerChildConfig {
  readonly module?: string;
  readonly class: string;
  readonly config: unknown;
}

/**
 * An IO manager that keeps step outputs in this process's memory: the default for `executeJob()`; a
 * run worker in another process cannot read them.
 */
export class InMemoryIOManager implements IOManager {
  readonly #values = new Map<string, unknown>();

  storeOutput(key: OutputKey, value: unknown): void {
    this.#values.set(`${key.runId}\u0000${key.stepKey}`, value);
  }

  loadOutput(key: OutputKey): unknown {
    const id = `${key.runId}\u0000${key.stepKey}`;
    if (!this.#values.has(id)) throw new Error(`no stored output for step '${key.stepKey}' of run ${key.runId}`);
    return this.#values.get(id);
  }

  hasOutput(key: OutputKey): boolean {
    return this.#values.has(`${key.runId}\u0000${key.stepKey}`);
  }
}
