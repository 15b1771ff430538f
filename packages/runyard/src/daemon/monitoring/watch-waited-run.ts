import { formatErrorChain, toErrorInfo } from '../../events/error-info.js';
import type { RunMonitoringSettings } from '../../instance/instance-config-types.js';
import type { ManagedRunLauncher } from '../../launcher/managed-run-launcher.js';
import type { RunRecord } from '../../runs/run-record.js';
import { isTerminalStatus } from '../../runs/run-status.js';
import type { Storage } from '../../storage/storage.js';
import { workerDeath } from './check-started-run.js';
import { failRun } from './monitoring-actions.js';

/** What the watch needs of the instance; `Instance` has it. */
export interface WatchedInstance {
  readonly storage: Storage;
  launcherForRun(run: RunRecord): Promise<ManagedRunLauncher>;
  readonly config: { readonly runMonitoring: RunMonitoringSettings };
}

export interface WaitedRunWatchOptions {
  /** Stops the watch (the caller stopped waiting). */
  readonly signal: AbortSignal;
  /** How often the worker's health is checked. Default: run monitoring's poll interval. */
  readonly intervalMs?: number;
  readonly log?: (line: string) => void;
}

/**
 * For `runyard job launch --wait`: while the caller waits, asks the run's launcher every few seconds
 * whether the worker is alive, so the wait ends even when no daemon runs. A worker the launcher
 * reports dead fails the run exactly as run monitoring would (same check, same action, same
 * message); while a monitoring daemon is alive it is left to act, since it may resume the run
 * instead. Resolves when the run is finished or the signal aborts; never throws.
 */
export async function watchWaitedRun(
  instance: WatchedInstance,
  runId: string,
  options: WaitedRunWatchOptions,
): Promise<void> {
  const settings = instance.config.runMonitoring;
  const intervalMs = options.intervalMs ?? settings.pollIntervalSeconds * 1000;
  const log = options.log ?? (() => undefined);
  while (!options.signal.aborted) {
    await sleep(intervalMs, options.signal);
    if (options.signal.aborted) return;
    try {
      const run = await instance.storage.runs.getRun(runId);
      if (!run || isTerminalStatus(run.status)) return;
      await checkOnce(instance, run, log);
    } catch (error) {
      log(`could not check the run's worker: ${formatErrorChain(toErrorInfo(error))}`);
    }
  }
}

async function checkOnce(instance: WatchedInstance, run: RunRecord, log: (line: string) => void): Promise<void> {
  if ((run.status !== 'STARTED' && run.status !== 'STARTING') || !run.worker) return;
  if (await monitoringIsAlive(instance)) return;
  const launcher = await instance.launcherForRun(run);
  if (!launcher.capabilities.healthCheck) return;
  const health = await launcher.checkHealth(run);
  const death = workerDeath(run, {
    now: Date.now(),
    health,
    resumedAt: undefined,
    // Heartbeats are monitoring's to judge: here only the launcher's own answer counts.
    heartbeatsTrusted: false,
    heartbeatTimeoutMs: instance.config.runMonitoring.heartbeatTimeoutSeconds * 1000,
    canResume: false,
    maxResumeAttempts: 0,
  });
  if (death === undefined) return;
  // Asked again after the health check: a worker that finished the run and exited in between
  // must not be taken for a dead one.
  const latest = await instance.storage.runs.getRun(run.runId);
  if (latest?.status !== run.status || JSON.stringify(latest.worker) !== JSON.stringify(run.worker)) return;
  await failRun({ storage: instance.storage, launcher, daemonId: `job-launch-wait:${process.pid}`, log }, latest, {
    kind: 'fail',
    monitoring: 'worker_died',
    from: latest.status,
    reason: `run worker died: ${death}`,
  });
}

/** Whether a daemon's run monitoring has polled recently enough to be trusted to act. */
async function monitoringIsAlive(instance: WatchedInstance): Promise<boolean> {
  const settings = instance.config.runMonitoring;
  if (!settings.enabled) return false;
  const beats = await instance.storage.daemon.getHeartbeats();
  const fresh = Date.now() - (3 * settings.pollIntervalSeconds * 1000 + settings.heartbeatTimeoutSeconds * 1000);
  return beats.some((b) => b.daemonType === 'MONITORING' && b.timestamp >= fresh);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
