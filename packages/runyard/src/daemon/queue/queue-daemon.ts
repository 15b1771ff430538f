import { isQueuedRunCoordinator } from '../../coordinator/is-queued-run-coordinator.js';
import {
  NO_CONCURRENCY_LIMIT,
  type QueuedRunCoordinatorSettings,
} from '../../coordinator/queued-run-coordinator-config.js';
import { RunNotFoundError, RunyardError } from '../../errors.js';
import { formatErrorChain, toErrorInfo } from '../../events/error-info.js';
import type { Instance } from '../../instance/instance.js';
import { RunNotLaunchableError } from '../../launch/launch-run.js';
import { setLaunchingDaemon } from '../../launch/launcher-identity.js';
import type { RunRecord } from '../../runs/run-record.js';
import { IN_PROGRESS_STATUSES } from '../../runs/run-status.js';
import type { RunStorage } from '../../storage/run-storage.js';
import type { Daemon, DaemonIterationContext } from '../daemon.js';
import { mapWithConcurrency } from './map-with-concurrency.js';
import { selectRunsToLaunch, type WaitingRun } from './queue-selection.js';

export const QUEUE_DAEMON_TYPE = 'QUEUE';

/** The queue daemon when the instance's coordinator is a QueuedRunCoordinator; otherwise there is no queue. */
export async function createQueueDaemon(instance: Instance): Promise<Daemon | undefined> {
  const { runCoordinator } = instance.config;
  // The default coordinator launches at once; no need to create it to find that out.
  if (runCoordinator.module === undefined && runCoordinator.class === 'ImmediateRunCoordinator') return undefined;
  const coordinator = await instance.coordinator();
  return isQueuedRunCoordinator(coordinator) ? new QueueDaemon(coordinator.settings) : undefined;
}

export interface DequeueResult {
  /** Runs this pass moved to STARTING and handed to the launcher. */
  readonly launched: readonly string[];
  /** Runs someone else moved first (cancelled, or launched by another daemon): left alone. */
  readonly skipped: readonly string[];
  /** Runs that stay queued, with the reason written on each. */
  readonly waiting: readonly WaitingRun<RunRecord>[];
}

/**
 * One pass over the run queue per iteration: reads QUEUED and in-progress runs, picks what fits
 * the limits (queue-selection.ts), launches those `dequeueParallelism` at a time through
 * `instance.launchRun`, and writes each waiting run's reason when it changed.
 *
 * Safe when two daemons race (a stale lease) or the daemon dies mid-pass: `launchRun` moves the
 * run QUEUED → STARTING by compare-and-swap before the launcher runs, so a run is launched at most
 * once, and a run left STARTING with no worker by a daemon that died is launched again by run
 * monitoring (daemon/monitoring/check-interrupted-launch.ts), fenced so that only one worker runs it.
 *
 * Reading the whole queue costs about 5 µs of CPU per queued run. While maxConcurrentRuns is
 * reached nothing can launch, so a pass that finds the queue and the runs in progress as the last
 * such pass left them does nothing more: a long backlog behind a full limit costs three small
 * queries per pass, not a read of the backlog.
 */
export class QueueDaemon implements Daemon {
  readonly type = QUEUE_DAEMON_TYPE;
  readonly intervalMs: number;
  readonly settings: QueuedRunCoordinatorSettings;
  /** The queue as the last pass found it while the global limit was reached (see `#whileFull`). */
  #fullQueueSeen: string | undefined;

  constructor(settings: QueuedRunCoordinatorSettings) {
    this.settings = settings;
    this.intervalMs = settings.dequeueIntervalMs;
  }

  async runIteration(ctx: DaemonIterationContext): Promise<void> {
    // Each RUN_STARTING this pass writes names this daemon, for run monitoring's relaunch rule.
    setLaunchingDaemon(ctx.daemonId);
    const result = await this.dequeue(ctx.instance, ctx.signal);
    if (result.launched.length)
      ctx.log(
        `launched ${result.launched.length} run(s); ${result.waiting.length} waiting: ${result.launched.join(', ')}`,
      );
  }

  /** One pass; throws after the pass when some launch failed for a reason other than a lost race. */
  async dequeue(instance: Instance, signal?: AbortSignal): Promise<DequeueResult> {
    const runs = instance.storage.runs;
    const fullQueue = await this.#whileFull(runs);
    if (fullQueue !== undefined && fullQueue === this.#fullQueueSeen) return NOTHING_DONE;
    this.#fullQueueSeen = undefined;
    // Newest first from storage; the queue goes oldest first.
    const queued = (await runs.listRuns({ statuses: ['QUEUED'] })).reverse();
    // Read after the queue: a run launched in between (by a racing daemon) is then counted as in
    // progress and skipped, rather than missed by both reads and not counted against the limits.
    const inProgress = await runs.listRuns({ statuses: IN_PROGRESS_STATUSES });
    if (queued.length === 0) return NOTHING_DONE;
    const { toLaunch, waiting } = selectRunsToLaunch(queued, inProgress, this.settings);

    const settled = await mapWithConcurrency(
      toLaunch,
      this.settings.dequeueParallelism,
      (run) => instance.launchRun(run.runId),
      signal,
    );
    const launched: string[] = [];
    const skipped: string[] = [];
    const failed: Array<{ runId: string; error: unknown }> = [];
    settled.forEach((outcome, i) => {
      const { runId } = toLaunch[i] as RunRecord;
      if (outcome === undefined) return; // shutting down: it stays queued for the next daemon
      if (outcome.status === 'fulfilled') launched.push(runId);
      else if (outcome.reason instanceof RunNotLaunchableError || outcome.reason instanceof RunNotFoundError)
        skipped.push(runId);
      else failed.push({ runId, error: outcome.reason });
    });

    if (!signal?.aborted) {
      await explainWaiting(runs, waiting);
      // Only a pass that wrote every reason may let the next ones skip.
      this.#fullQueueSeen = fullQueue;
    }
    if (failed.length) {
      const first = failed[0] as { runId: string; error: unknown };
      throw new RunyardError(
        `could not launch ${failed.length} of ${toLaunch.length} run(s), e.g. ${first.runId}: ${formatErrorChain(toErrorInfo(first.error))}`,
        { cause: first.error, data: { runIds: failed.map((f) => f.runId) } },
      );
    }
    return { launched, skipped, waiting };
  }

  /**
   * When maxConcurrentRuns is reached, a fingerprint of the queue (how many runs, the newest) and
   * of the runs in progress; undefined when a run could launch. Equal fingerprints mean the
   * reasons written last time still hold.
   */
  async #whileFull(runs: RunStorage): Promise<string | undefined> {
    const max = this.settings.maxConcurrentRuns;
    if (max === NO_CONCURRENCY_LIMIT) return undefined;
    const inProgress = await runs.listRuns({ statuses: IN_PROGRESS_STATUSES });
    if (inProgress.length < max) return undefined;
    const [count, newest] = await Promise.all([
      runs.countRuns({ statuses: ['QUEUED'] }),
      runs.listRuns({ statuses: ['QUEUED'], limit: 1 }),
    ]);
    return [count, newest[0]?.runId, ...inProgress.map((r) => r.runId).sort()].join(' ');
  }
}

const NOTHING_DONE: DequeueResult = Object.freeze({ launched: [], skipped: [], waiting: [] });

/**
 * Writes why each run waits, only when that changed (most passes write nothing). The run is read
 * again first: a run cancelled since the queue was read keeps its own reason.
 */
async function explainWaiting(runs: RunStorage, waiting: readonly WaitingRun<RunRecord>[]): Promise<void> {
  for (const { run, reason } of waiting) {
    if (run.statusReason === reason) continue;
    const current = await runs.getRun(run.runId);
    if (current?.status !== 'QUEUED' || current.statusReason === reason) continue;
    await runs.updateRun(run.runId, { statusReason: reason });
  }
}
