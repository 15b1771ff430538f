import type { CodeLocation } from '../../code-location/load-code-location.js';
import { formatErrorChain, toErrorInfo } from '../../events/error-info.js';
import type { RunEvent } from '../../events/run-event.js';
import type { Instance } from '../../instance/instance.js';
import { decideAutomaticRetry } from '../../retries/retry-policy.js';
import { retryRun } from '../../retries/retry-run.js';
import { PARENT_RUN_ID_TAG } from '../../retries/retry-tags.js';

/** Failures older than this when a daemon starts are left alone: a retry a day late surprises more than it helps. */
export const DEFAULT_RETRY_LOOKBACK_MS = 24 * 3_600_000;
const BATCH = 100;

export interface RunRetrierOptions {
  readonly now?: () => number;
  readonly lookbackMs?: number;
  readonly loadCodeLocation?: (target: string) => Promise<CodeLocation>;
  readonly log?: (message: string) => void;
}

export type RetryOutcome =
  | { readonly runId: string; readonly retried: true; readonly retryRunId: string; readonly createdNow: boolean }
  | { readonly runId: string; readonly retried: false; readonly reason: string };

/**
 * Follows RUN_FAILURE events across the event log and submits one retry per failed run that has
 * retries left (see retries/retry-policy.ts). The cursor lives in memory: a daemon that starts
 * reads the failures of the last `lookbackMs` again, which is safe, because a run that already
 * has a retry is not retried again (its retry carries `runyard/parent_run_id`), and two daemons
 * retrying one run at once derive the same retry id, so only one retry is created.
 */
export class RunRetrier {
  readonly #instance: Instance;
  readonly #now: () => number;
  readonly #lookbackMs: number;
  readonly #load: RunRetrierOptions['loadCodeLocation'];
  readonly #log: (message: string) => void;
  #cursor = 0;

  constructor(instance: Instance, options: RunRetrierOptions = {}) {
    this.#instance = instance;
    this.#now = options.now ?? Date.now;
    this.#lookbackMs = options.lookbackMs ?? DEFAULT_RETRY_LOOKBACK_MS;
    this.#load = options.loadCodeLocation;
    this.#log = options.log ?? (() => undefined);
  }

  /** Reads the failures since the last pass and retries what should be. */
  async pass(signal?: AbortSignal): Promise<RetryOutcome[]> {
    const outcomes: RetryOutcome[] = [];
    const events = this.#instance.storage.events;
    for (;;) {
      const batch = await events.getEventsAfter(this.#cursor, { types: ['RUN_FAILURE'], limit: BATCH });
      for (const event of batch) {
        if (signal?.aborted) return outcomes;
        if (this.#now() - event.timestamp <= this.#lookbackMs) outcomes.push(await this.#consider(event));
        // Past it only once it is dealt with: a storage error retries the same event next pass.
        this.#cursor = event.id;
      }
      if (batch.length < BATCH) return outcomes;
    }
  }

  async #consider(failure: RunEvent): Promise<RetryOutcome> {
    const storage = this.#instance.storage;
    const runId = failure.runId;
    const run = await storage.runs.getRun(runId);
    if (!run) return { runId, retried: false, reason: 'the run was deleted' };
    const decision = decideAutomaticRetry(run, failure, this.#instance.config.runRetries);
    if (!decision.retry) return { runId, retried: false, reason: decision.reason };
    const [existing] = await storage.runs.listRuns({ tags: { [PARENT_RUN_ID_TAG]: runId }, limit: 1 });
    if (existing) return { runId, retried: false, reason: `it was retried already, as run ${existing.runId}` };

    let result: Awaited<ReturnType<typeof retryRun>>;
    try {
      result = await retryRun(this.#instance, run, {
        strategy: decision.strategy,
        derivedId: true,
        ...(this.#load ? { loadCodeLocation: this.#load } : {}),
      });
    } catch (error) {
      // The job no longer loads, or its config no longer fits: say so on the run, and go on.
      const reason = `could not retry: ${formatErrorChain(toErrorInfo(error))}`;
      await storage.events.appendEvents([{ runId, type: 'ENGINE_EVENT', level: 'error', message: `run ${reason}` }]);
      this.#log(`run ${runId} ${reason}`);
      return { runId, retried: false, reason };
    }
    const retry = result.run;
    if (result.created) {
      const message = `run failed; retry ${decision.retryNumber} of ${decision.maxRetries} (${decision.strategy}) is run ${retry.runId}`;
      await storage.events.appendEvents([
        {
          runId,
          type: 'ENGINE_EVENT',
          message,
          data: { retryRunId: retry.runId, retryNumber: decision.retryNumber, strategy: decision.strategy },
        },
      ]);
      this.#log(`run ${runId}: ${message}`);
    }
    return { runId, retried: true, retryRunId: retry.runId, createdNow: result.created };
  }
}
