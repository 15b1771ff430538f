import type { ComponentContext } from '../instance/component-registry.js';
import type { RunRecord } from '../runs/run-record.js';
import { QUEUED_RUN_COORDINATOR } from './is-queued-run-coordinator.js';
import {
  type QueuedRunCoordinatorConfig,
  type QueuedRunCoordinatorSettings,
  queuedRunCoordinatorSettings,
} from './queued-run-coordinator-config.js';
import { queuedRunCoordinatorConfigSchema } from './queued-run-coordinator-schema.js';
import type { RunCoordinator, SubmitRunContext } from './run-coordinator.js';

/** What a queued run says until the daemon has looked at it. */
export const QUEUED_STATUS_REASON = 'waiting for the run queue';

/**
 * Puts every submitted run in the queue (NOT_STARTED → QUEUED) and returns; the daemon's queue
 * loop (daemon/queue/queue-daemon.ts) launches queued runs within `maxConcurrentRuns`, the tag
 * limits and the `runyard/priority` order.
 *
 *   runCoordinator:
 *     class: QueuedRunCoordinator
 *     config: { maxConcurrentRuns: 4, tagConcurrencyLimits: [{ key: team, value: data, limit: 1 }] }
 *
 * or in code: `new QueuedRunCoordinator({ maxConcurrentRuns: 4 })`.
 */
export class QueuedRunCoordinator implements RunCoordinator {
  /** Validates `config` in runyard.yaml when the class is named by `module` + `class`. */
  static readonly configSchema = queuedRunCoordinatorConfigSchema;

  readonly settings: QueuedRunCoordinatorSettings;
  readonly #raw: ComponentContext['raw'] | undefined;

  constructor(config: QueuedRunCoordinatorConfig = {}, ctx?: ComponentContext) {
    this.settings = queuedRunCoordinatorSettings(config);
    this.#raw = ctx?.raw;
  }

  /** Marks instances for `isQueuedRunCoordinator`, which must also see a copy loaded from another path. */
  get [QUEUED_RUN_COORDINATOR](): true {
    return true;
  }

  async submitRun(ctx: SubmitRunContext): Promise<RunRecord> {
    const result = await ctx.runs.transition(
      { runId: ctx.run.runId, type: 'RUN_ENQUEUED', message: 'run was added to the run queue' },
      { from: ['NOT_STARTED'], statusReason: QUEUED_STATUS_REASON },
    );
    // Lost the CAS: someone cancelled the run between its creation and now. It stays as they left it.
    return result.run ?? ctx.run;
  }

  toConfig() {
    // Loaded from runyard.yaml: give back what was written (a `module`, env references), not our parse of it.
    if (this.#raw) return { ...this.#raw };
    return {
      class: 'QueuedRunCoordinator',
      config: structuredClone(this.settings) as unknown as Record<string, unknown>,
    };
  }
}
