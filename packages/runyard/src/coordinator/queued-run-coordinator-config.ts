/**
 * The QueuedRunCoordinator's settings, as types and defaults only. The zod schema that checks
 * runyard.yaml is in queued-run-coordinator-schema.ts and takes its defaults from here, so config
 * given in code and config read from a file end up the same.
 */

/**
 * At most `limit` runs with this tag are in progress at once. Without `value`, every run that has
 * the key counts, whatever its value; with `perUniqueValue`, each value of the key has its own
 * `limit` (one run per customer, say).
 */
export interface TagConcurrencyLimit {
  readonly key: string;
  readonly value?: string;
  readonly limit: number;
  readonly perUniqueValue?: boolean;
}

/**
 * Config of `QueuedRunCoordinator`: the most runs in progress at once, per-tag limits, and how the
 * daemon dequeues.
 */
export interface QueuedRunCoordinatorConfig {
  /** Runs in progress (STARTING, STARTED, CANCELING) at once; -1 for no limit. Default 10. */
  readonly maxConcurrentRuns?: number;
  readonly tagConcurrencyLimits?: readonly TagConcurrencyLimit[];
  /**
   * Runs in progress at once per named launcher (runyard.yaml `runLaunchers`), by name:
   * `{ gpu: 20 }`. A run counts against the launcher its `runyard/launcher` tag records.
   */
  readonly launcherConcurrencyLimits?: Readonly<Record<string, number>>;
  /** How often the daemon looks at the queue. Default 1000. */
  readonly dequeueIntervalMs?: number;
  /** Runs launched at the same time within one pass over the queue. Default 4. */
  readonly dequeueParallelism?: number;
}

/** The config with every default filled in, frozen. */
export interface QueuedRunCoordinatorSettings {
  readonly maxConcurrentRuns: number;
  readonly tagConcurrencyLimits: readonly TagConcurrencyLimit[];
  readonly launcherConcurrencyLimits: Readonly<Record<string, number>>;
  readonly dequeueIntervalMs: number;
  readonly dequeueParallelism: number;
}

export const NO_CONCURRENCY_LIMIT = -1;

export const QUEUED_RUN_COORDINATOR_DEFAULTS = Object.freeze({
  maxConcurrentRuns: 10,
  dequeueIntervalMs: 1000,
  dequeueParallelism: 4,
} as const);

export function queuedRunCoordinatorSettings(config: QueuedRunCoordinatorConfig = {}): QueuedRunCoordinatorSettings {
  const limits = (config.tagConcurrencyLimits ?? []).map((limit) =>
    Object.freeze({
      key: limit.key,
      ...(limit.value !== undefined ? { value: limit.value } : {}),
      limit: limit.limit,
      ...(limit.perUniqueValue ? { perUniqueValue: true } : {}),
    }),
  );
  return Object.freeze({
    maxConcurrentRuns: config.maxConcurrentRuns ?? QUEUED_RUN_COORDINATOR_DEFAULTS.maxConcurrentRuns,
    tagConcurrencyLimits: Object.freeze(limits),
    launcherConcurrencyLimits: Object.freeze({ ...(config.launcherConcurrencyLimits ?? {}) }),
    dequeueIntervalMs: config.dequeueIntervalMs ?? QUEUED_RUN_COORDINATOR_DEFAULTS.dequeueIntervalMs,
    dequeueParallelism: config.dequeueParallelism ?? QUEUED_RUN_COORDINATOR_DEFAULTS.dequeueParallelism,
  });
}
