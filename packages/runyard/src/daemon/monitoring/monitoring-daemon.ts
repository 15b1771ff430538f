import { RunyardError } from '../../errors.js';
import { formatErrorChain, toErrorInfo } from '../../events/error-info.js';
import type { RunMonitoringSettings } from '../../instance/instance-config-types.js';
import type { TerminateRunOptions, TerminateRunResult } from '../../launch/terminate-run.js';
import type { ManagedRunLauncher } from '../../launcher/managed-run-launcher.js';
import type { RunRecord, WorkerRef } from '../../runs/run-record.js';
import { IN_PROGRESS_STATUSES } from '../../runs/run-status.js';
import type { Storage } from '../../storage/storage.js';
import { isTransientStorageError } from '../../storage/transient-storage-error.js';
import type { Daemon, DaemonIterationContext } from '../daemon.js';
import { checkCancelingRun } from './check-canceling-run.js';
import { checkFailedStart } from './check-failed-start.js';
import { checkInterruptedLaunch } from './check-interrupted-launch.js';
import { checkMaxRuntime } from './check-max-runtime.js';
import { checkStartedRun } from './check-started-run.js';
import { checkStartingRun } from './check-starting-run.js';
import { EndedRunEvidence } from './ended-run-evidence.js';
import { isInProcessRun } from './in-process-run.js';
import { INFRA_RESUME_ATTEMPT_TAG, type MonitoringAction, RESUME_ATTEMPT_TAG } from './monitoring-action.js';
import {
  type ActionContext,
  beginMaxRuntimeTermination,
  cancelStuckRun,
  failRun,
  resumeRun,
} from './monitoring-actions.js';
import { RunTimeline } from './run-timeline.js';
import { checkCannotStart } from './worker-diagnosis.js';

/** What monitoring needs of the instance; `Instance` has it, and tests can hand in less. */
export interface MonitoredInstance {
  readonly storage: Storage;
  /** The default launcher: what a run is monitored with when `launcherForRun` is not given. */
  launcher(): Promise<ManagedRunLauncher>;
  /** The launcher the run was launched with (Instance: the one its `runyard/launcher` tag names). */
  launcherForRun?(run: RunRecord): Promise<ManagedRunLauncher>;
  terminateRun(runId: string, options?: TerminateRunOptions): Promise<TerminateRunResult>;
  readonly config: { readonly runMonitoring: RunMonitoringSettings };
}

export interface MonitoringDaemonOptions {
  /** The clock (ms since the epoch); tests move it by hand. */
  readonly now?: () => number;
  /** Runs checked at once: a launcher's health check may be a network call. Default 8. */
  readonly concurrency?: number;
}

/** `runyard daemon`'s run monitoring, unless `runMonitoring.enabled` is false. */
export function createMonitoringDaemon(instance: MonitoredInstance): MonitoringDaemon | undefined {
  return instance.config.runMonitoring.enabled ? new MonitoringDaemon(instance) : undefined;
}

/**
 * Run monitoring (DESIGN.md section 2): every poll it looks at the runs in progress and fails runs
 * that never started, resumes or fails runs whose worker died, kills and cancels runs stuck in
 * CANCELING, and terminates runs past their max runtime. Each rule is a pure check (check-*.ts)
 * over the run, the clock and the launcher's answer; every action is a compare-and-swap
 * (monitoring-actions.ts), so a second daemon or a racing worker never acts twice.
 */
export class MonitoringDaemon implements Daemon {
  readonly type = 'MONITORING';
  readonly intervalMs: number;
  readonly #instance: MonitoredInstance;
  readonly #settings: RunMonitoringSettings;
  readonly #now: () => number;
  readonly #concurrency: number;
  readonly #timeline: RunTimeline;
  readonly #evidence = new EndedRunEvidence();
  /** Max-runtime terminations under way in this process (they wait out the launcher's grace period). */
  readonly #terminating = new Map<string, Promise<void>>();
  /** `runId:rule` of reports already written (the event log is asked once per daemon). */
  readonly #reported = new Set<string>();
  #lastIterationAt: number | undefined;
  /** When monitoring last saw again after it could not (see runIteration). */
  #seeingSince: number | undefined;
  #storageDown = false;

  constructor(instance: MonitoredInstance, options: MonitoringDaemonOptions = {}) {
    this.#instance = instance;
    this.#settings = instance.config.runMonitoring;
    this.intervalMs = this.#settings.pollIntervalSeconds * 1000;
    this.#now = options.now ?? Date.now;
    this.#concurrency = options.concurrency ?? 8;
    this.#timeline = new RunTimeline(instance.storage);
  }

  async runIteration(ctx: DaemonIterationContext): Promise<void> {
    const storage = this.#instance.storage;
    const started = this.#now();
    let runs: RunRecord[];
    try {
      runs = await storage.runs.listRuns({ statuses: IN_PROGRESS_STATUSES });
    } catch (error) {
      this.#storageDown ||= isTransientStorageError(error);
      throw error;
    }
    // Monitoring was blind for a while: storage did not answer (so the workers' heartbeats were
    // not stored either), or polls were missed (the daemon was paused, or lost its lease in an
    // outage). Every heartbeat may look stale then through no fault of the worker: they count
    // again a full timeout after monitoring sees again. The launcher's health check counts at once.
    const missedPolls = this.#lastIterationAt !== undefined && started - this.#lastIterationAt > 2 * this.intervalMs;
    if (this.#storageDown || missedPolls) this.#seeingSince = started;
    this.#storageDown = false;
    this.#lastIterationAt = started;
    const heartbeatsTrusted =
      this.#seeingSince === undefined || started - this.#seeingSince > this.#settings.heartbeatTimeoutSeconds * 1000;

    const failures: string[] = [];
    // Runs of several launchers at once: each launcher is asked about its own runs, one batch per
    // launcher per poll (a launcher that answers from a cache, such as a Kubernetes informer, then
    // serves the whole batch from one list). A run whose launcher runyard.yaml no longer names is
    // reported, never handed to another launcher.
    const { batches, unlaunchable, broken } = await this.#batchesByLauncher(runs);
    for (const { run, error } of broken) {
      const message = `run ${run.runId}: its launcher could not be created: ${formatErrorChain(toErrorInfo(error))}`;
      ctx.log(`could not monitor ${message}`);
      failures.push(message);
    }
    for (const { run, error } of unlaunchable) {
      await this.#reportOnce(run.runId, {
        kind: 'report',
        monitoring: 'launcher_not_configured',
        message: `run monitoring cannot check this run: ${error.message}`,
      }).catch((e) => failures.push(`run ${run.runId}: ${formatErrorChain(toErrorInfo(e))}`));
    }
    await Promise.all(
      [...batches].map(([launcher, batch]) => {
        const actx: ActionContext = { storage, launcher, daemonId: ctx.daemonId, log: ctx.log };
        return forEachLimited(batch, this.#concurrency, async (run) => {
          if (ctx.signal.aborted) return;
          try {
            await this.#monitor(actx, run, heartbeatsTrusted);
          } catch (error) {
            this.#storageDown ||= isTransientStorageError(error);
            const message = `run ${run.runId}: ${formatErrorChain(toErrorInfo(error))}`;
            ctx.log(`could not monitor ${message}`);
            failures.push(message);
          }
        });
      }),
    );

    try {
      await this.#evidence.afterPoll(storage, (run) => this.#launcherFor(run), runs, ctx.log);
    } catch (error) {
      failures.push(`keeping the output of ended runs: ${formatErrorChain(toErrorInfo(error))}`);
    }
    const inProgress = new Set(runs.map((r) => r.runId));
    this.#timeline.forget(inProgress);
    for (const key of this.#reported) if (!inProgress.has(key.slice(0, key.indexOf(':')))) this.#reported.delete(key);
    // One run's trouble never stops the others being checked; the loop records it in the heartbeat.
    if (failures.length > 0)
      throw new RunyardError(`run monitoring failed for ${failures.length} run(s): ${failures.join('; ')}`);
  }

  /** The launcher each run went to; the same launcher object for every run of one launcher. */
  async #batchesByLauncher(runs: readonly RunRecord[]): Promise<{
    batches: Map<ManagedRunLauncher, RunRecord[]>;
    unlaunchable: Array<{ run: RunRecord; error: Error }>;
    broken: Array<{ run: RunRecord; error: unknown }>;
  }> {
    const batches = new Map<ManagedRunLauncher, RunRecord[]>();
    const unlaunchable: Array<{ run: RunRecord; error: Error }> = [];
    // A launcher that cannot be created now (a plug-in that fails to load) holds up only its own runs.
    const broken: Array<{ run: RunRecord; error: unknown }> = [];
    for (const run of runs) {
      let launcher: ManagedRunLauncher;
      try {
        launcher = await this.#launcherFor(run);
      } catch (error) {
        if (error instanceof RunyardError && error.userError && error.name === 'LauncherNotConfiguredError')
          unlaunchable.push({ run, error });
        else broken.push({ run, error });
        continue;
      }
      const batch = batches.get(launcher);
      if (batch) batch.push(run);
      else batches.set(launcher, [run]);
    }
    return { batches, unlaunchable, broken };
  }

  #launcherFor(run: RunRecord): Promise<ManagedRunLauncher> {
    return this.#instance.launcherForRun ? this.#instance.launcherForRun(run) : this.#instance.launcher();
  }

  /** Resolves when the max-runtime terminations this daemon started have finished (for tests and shutdown). */
  async settled(): Promise<void> {
    await Promise.all(this.#terminating.values());
  }

  async #monitor(actx: ActionContext, run: RunRecord, heartbeatsTrusted: boolean): Promise<void> {
    const settings = this.#settings;
    switch (run.status) {
      case 'STARTING': {
        // A launch whose launcher died is launched again at once, not failed at the start timeout.
        const launch = await checkInterruptedLaunch(actx, await this.#latest(actx, run));
        if (launch.handled) return;
        if (await this.#checkStartingWorker(actx, run)) return;
        const startingSince = Math.max(await this.#timeline.statusSince(run), launch.launchedAt ?? 0);
        const startTimeoutMs = settings.startTimeoutSeconds * 1000;
        const action = checkStartingRun(run, { now: this.#now(), startingSince, startTimeoutMs });
        if (action) await this.#act(actx, await this.#latest(actx, run), action);
        return;
      }
      case 'CANCELING': {
        const cancelingSince = await this.#timeline.statusSince(run);
        const cancelTimeoutMs = settings.cancelTimeoutSeconds * 1000;
        const action = checkCancelingRun(run, { now: this.#now(), cancelingSince, cancelTimeoutMs });
        if (action) await this.#act(actx, await this.#latest(actx, run), action);
        return;
      }
      case 'STARTED':
        return this.#monitorStarted(actx, run, heartbeatsTrusted);
      default:
        return;
    }
  }

  async #monitorStarted(actx: ActionContext, listed: RunRecord, heartbeatsTrusted: boolean): Promise<void> {
    if (this.#terminating.has(listed.runId)) return;
    // A run executed in process (`runyard job execute`) has no launcher's worker: its process is the
    // CLI, which heartbeats like a worker, so heartbeats alone tell (older ones never sent any).
    const inProcess = isInProcessRun(listed);
    if (!listed.worker && !inProcess) return;
    const { launcher } = actx;
    const health = !inProcess && launcher.capabilities.healthCheck ? await launcher.checkHealth(listed) : undefined;
    // Asked again after the health check: a worker that finished the run and exited in between, or a
    // resume that replaced the worker, must not be taken for a dead worker of a live run.
    const run = await actx.storage.runs.getRun(listed.runId);
    if (run?.status !== 'STARTED' || !sameWorker(run.worker, listed.worker)) return;
    const resumed = run.tags[RESUME_ATTEMPT_TAG] !== undefined || run.tags[INFRA_RESUME_ATTEMPT_TAG] !== undefined;
    const resumedAt = resumed ? await this.#timeline.resumedAt(run) : undefined;
    const now = this.#now();
    const action =
      checkStartedRun(run, {
        now,
        health,
        resumedAt,
        heartbeatsTrusted,
        heartbeatTimeoutMs: this.#settings.heartbeatTimeoutSeconds * 1000,
        canResume: !inProcess && launcher.capabilities.resume,
        maxResumeAttempts: this.#settings.maxResumeAttempts,
      }) ?? checkMaxRuntime(run, now);
    await this.#act(actx, run, action);
  }

  /**
   * A STARTING run with a recorded worker is asked for its health too: a worker that can never
   * start (check-cannot-start in worker-diagnosis.ts) fails the run now, not at the start timeout;
   * one that failed to start for a passing reason, with nobody left to replace it, is launched
   * again (check-failed-start.ts).
   */
  async #checkStartingWorker(actx: ActionContext, listed: RunRecord): Promise<boolean> {
    const run = await this.#latest(actx, listed);
    if (run.status !== 'STARTING' || !run.worker || isInProcessRun(run)) return false;
    if (!actx.launcher.capabilities.healthCheck) return false;
    const health = await actx.launcher.checkHealth(run);
    const action = checkCannotStart(run, health);
    if (!action) return checkFailedStart(actx, run, health);
    // The fail is a compare-and-swap from STARTING: a worker that claimed the run meanwhile wins.
    await this.#act(actx, run, action);
    return true;
  }

  /** The run as stored now (the launcher may have recorded its worker since the listing); the CAS does the rest. */
  async #latest(actx: ActionContext, run: RunRecord): Promise<RunRecord> {
    return (await actx.storage.runs.getRun(run.runId)) ?? run;
  }

  async #act(actx: ActionContext, run: RunRecord, action: MonitoringAction | undefined): Promise<void> {
    switch (action?.kind) {
      case undefined:
        return;
      case 'fail':
        await failRun(actx, run, action);
        return;
      case 'resume':
        await resumeRun(actx, run, action);
        return;
      case 'cancel':
        await cancelStuckRun(actx, run, action);
        return;
      case 'terminate':
        if (await beginMaxRuntimeTermination(actx, run, action))
          this.#terminateInBackground(actx, run.runId, action.reason);
        return;
      case 'report':
        await this.#reportOnce(run.runId, action);
        return;
    }
  }

  /**
   * `terminateRun` waits out the launcher's grace period (10 s by default); the polls go on
   * meanwhile, so a dead worker elsewhere is still noticed in time. If this daemon dies first, the
   * run stays CANCELING and the cancel timeout finishes the job.
   */
  #terminateInBackground(actx: ActionContext, runId: string, reason: string): void {
    const done = (async () => {
      try {
        const result = await this.#instance.terminateRun(runId);
        // terminateRun gives its own statusReason ("terminated"); keep why it was terminated in front.
        const current = result.run.statusReason ?? '';
        if (result.run.status === 'CANCELED' && !current.includes(reason))
          await actx.storage.runs.updateRun(runId, { statusReason: current ? `${reason}; ${current}` : reason });
      } catch (error) {
        const info = toErrorInfo(error);
        actx.log(`could not terminate run ${runId}: ${formatErrorChain(info)}`);
        await actx.storage.events
          .appendEvents([
            {
              runId,
              type: 'ENGINE_EVENT',
              level: 'error',
              message: `run monitoring could not terminate the run: ${formatErrorChain(info)}`,
              error: info,
              data: { monitoring: 'max_runtime' },
            },
          ])
          .catch(() => undefined);
      } finally {
        this.#terminating.delete(runId);
      }
    })();
    this.#terminating.set(runId, done);
  }

  async #reportOnce(runId: string, action: Extract<MonitoringAction, { kind: 'report' }>): Promise<void> {
    const key = `${runId}:${action.monitoring}`;
    if (this.#reported.has(key)) return;
    // Once per run, not once per daemon: a restarted daemon finds its predecessor's report.
    if (!(await this.#timeline.lastMonitoringEvent(runId, action.monitoring))) {
      await this.#instance.storage.events.appendEvents([
        {
          runId,
          type: 'ENGINE_EVENT',
          level: 'warning',
          message: action.message,
          data: { monitoring: action.monitoring },
        },
      ]);
    }
    this.#reported.add(key);
  }
}

function sameWorker(a: WorkerRef | undefined, b: WorkerRef | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
