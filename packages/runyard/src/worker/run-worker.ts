import { hostname } from 'node:os';
import type { BufferedEventWriter } from '../engine/event-writer.js';
import { executeRun } from '../engine/run-execution.js';
import { RunNotFoundError } from '../errors.js';
import { formatErrorChain, toErrorInfo } from '../events/error-info.js';
import { recordExecutionPlan } from '../events/execution-plan.js';
import type { RunEvent } from '../events/run-event.js';
import { endOpenSteps, endStepsWithRun } from '../events/step-end.js';
import type { Instance } from '../instance/instance.js';
import { REEXECUTION_TAG } from '../retries/retry-tags.js';
import type { RunRecord } from '../runs/run-record.js';
import { runWorkerLeaseName } from '../runs/run-worker-lease.js';
import { STEP_SELECTION_TAG, selectedStepsOf } from '../selection/selection-tags.js';
import { stderrNote } from '../util/stderr-note.js';
import { completedStepsForRun } from './completed-steps.js';
import { RunHeartbeat } from './heartbeat/run-heartbeat.js';
import { takeWorkerLease } from './launch-fence.js';
import { createRunIOManager } from './run-io-manager.js';
import { recordSignalCancel } from './signal-cancel.js';
import { RELEASED_EXIT_CODE, releaseRunOnOutsideSignal, releasesOnOutsideSignal } from './signal-release.js';

/** Options of `runWorker()`: the instance, the run id, whether to resume, how long to wait on cancel, and an event callback. */
export interface RunWorkerOptions {
  readonly instance: Instance;
  readonly runId: string;
  /** Take over a STARTED run whose worker died, skipping the steps that already succeeded. */
  readonly resume?: boolean;
  /** After SIGTERM, how long running steps may take to stop before the worker records RUN_CANCELED and exits. */
  readonly cancelWaitMs?: number;
  readonly onEvent?: (event: RunEvent) => void;
}

/** What `runWorker()` returns: the run's final status, or why the worker refused the run. */
export interface RunWorkerResult {
  /** 0 when the run succeeded; 1 when it failed, was cancelled, or this worker refused it. */
  readonly exitCode: number;
  readonly run: RunRecord | undefined;
  readonly refused?: string;
}

// Longer than the multiprocess executor's own grace for its step processes (5 s), shorter than the
// process launcher's default grace (10 s): steps get their chance, then the worker records the
// cancel itself rather than being killed before it can.
const DEFAULT_CANCEL_WAIT_MS = 8_000;

// Well inside a platform's own grace (Kubernetes 30 s, ECS 30 s): events still waiting for storage get
// this long to be stored before a released worker exits.
const RELEASE_FLUSH_MS = 5_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * The run worker (`runyard worker execute-run <runId>`): claims the run (STARTING → STARTED, or a
 * lease on a STARTED run when resuming), heartbeats into storage, loads the code location, runs
 * the job's executor, and on SIGTERM stops starting steps, stops running ones and records
 * RUN_CANCELED. A second worker for the same run refuses, records why, and leaves the run alone.
 */
export async function runWorker(options: RunWorkerOptions): Promise<RunWorkerResult> {
  const { instance, runId } = options;
  const storage = instance.storage;
  const run = await storage.runs.getRun(runId);
  if (!run) throw new RunNotFoundError(runId);
  const me = `${hostname()}:${process.pid}`;
  const heartbeatMs = instance.config.runWorker.heartbeatIntervalSeconds * 1000;
  const leaseName = runWorkerLeaseName(runId);
  // The lease outlives a missed heartbeat or two, but not a dead worker, so a resume can take over.
  const leaseTtlMs = Math.max(heartbeatMs * 3, instance.config.runMonitoring.heartbeatTimeoutSeconds * 1000);

  const lease = await takeWorkerLease(storage, runId, me, leaseTtlMs, options.resume);
  if (!lease.acquired) return refuse(instance, run, me, lease.why);
  if (!options.resume && run.status !== 'STARTING')
    return refuse(instance, run, me, `the run is ${run.status}, not STARTING`);

  // From a thread of its own: an op that blocks this event loop must not look like a dead worker.
  const heartbeat = await RunHeartbeat.start({
    storage,
    serializedInstance: instance.ephemeral ? undefined : instance.serialize(),
    target: { runId, lease: { name: leaseName, holder: me, ttlMs: leaseTtlMs } },
    intervalMs: heartbeatMs,
  });

  const controller = new AbortController();
  let writer: BufferedEventWriter | undefined;
  let giveUpTimer: NodeJS.Timeout | undefined;
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted || signalled) return;
    signalled = true;
    if (releasesOnOutsideSignal()) {
      void (async () => {
        if (await releaseRunOnOutsideSignal(storage, runId, signal)) {
          // The platform is taking the compute back: keep what the steps logged (for a while),
          // let a resumed worker take the lease at once, and leave the run to monitoring.
          await Promise.race([writer?.flush().catch(() => undefined), sleep(RELEASE_FLUSH_MS)]);
          await heartbeat.stop();
          await storage.daemon.releaseLease(leaseName, me).catch(() => undefined);
          process.exit(RELEASED_EXIT_CODE);
        }
        cancel(signal);
      })();
      return;
    }
    cancel(signal);
  };
  const cancel = (signal: NodeJS.Signals) => {
    // The reason is stored before the steps are stopped, so it comes before RUN_CANCELED.
    void recordSignalCancel(storage, runId, signal).then(() =>
      controller.abort(new Error(`the run worker received ${signal}`)),
    );
    // Ops that ignore the abort must not keep the run from ending CANCELED.
    giveUpTimer = setTimeout(
      () => void giveUp(instance, runId, signal, writer),
      options.cancelWaitMs ?? DEFAULT_CANCEL_WAIT_MS,
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    const io = await createRunIOManager(instance);
    const completedSteps = io ? await completedStepsForRun(storage, run, io, { resume: options.resume }) : undefined;
    // A run of selected steps (selection/) runs only those; the others' outputs come from its parent.
    const selectedSteps = selectedStepsOf(run);
    if (!options.resume && completedSteps?.size)
      await announceReusedSteps(instance, run, completedSteps, options.onEvent);
    const codeLocation = run.origin.codeLocation;
    const result = await executeRun({
      storage,
      run,
      // The code location loader is imported here, after the run is claimed, not with this module:
      // RUN_START is recorded as early as the worker can, and a refused worker never needs it.
      job: async () => {
        const { loadCodeLocation } = await import('../code-location/load-code-location.js');
        const job = (await loadCodeLocation(codeLocation)).getJob(run.jobName);
        const plan = await recordExecutionPlan(storage, runId, job, selectedSteps);
        if (plan) options.onEvent?.(plan);
        return job;
      },
      codeLocation,
      startFrom: ['STARTING'],
      resume: options.resume,
      completedSteps,
      selectedSteps,
      io,
      instanceConfig: instance.config,
      signal: controller.signal,
      onEvent: options.onEvent,
      events: {
        writerRef: (w) => {
          writer = w;
        },
      },
    });
    if (!result.started) return refuse(instance, run, me, `the run is ${result.run?.status ?? 'gone'}`);
    await endStepsWithRun(storage, result.run);
    return { exitCode: result.run.status === 'SUCCESS' ? 0 : 1, run: result.run };
  } finally {
    clearTimeout(giveUpTimer);
    await heartbeat.stop();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await storage.daemon.releaseLease(leaseName, me).catch(() => undefined);
  }
}

/** A retry from failure says up front which steps it will not run again, and whose outputs they use. */
async function announceReusedSteps(
  instance: Instance,
  run: RunRecord,
  completed: ReadonlyMap<string, string>,
  onEvent: ((event: RunEvent) => void) | undefined,
): Promise<void> {
  const steps = [...completed].map(([step, holder]) =>
    holder === run.parentRunId ? step : `${step} (from run ${holder})`,
  );
  const message =
    run.tags[REEXECUTION_TAG] === 'from-failure'
      ? `retrying run ${run.parentRunId} from failure: ${completed.size} step(s) succeeded before and are not run again: ${steps.join(', ')}`
      : `running the selected steps (${run.tags[STEP_SELECTION_TAG] ?? ''}); outputs of ${completed.size} step(s) outside the selection are available from run ${run.parentRunId}: ${steps.join(', ')}`;
  const [event] = await instance.storage.events.appendEvents([
    {
      runId: run.runId,
      type: 'ENGINE_EVENT',
      message,
      data: { parentRunId: run.parentRunId, reusedSteps: Object.fromEntries(completed) },
    },
  ]);
  if (event) onEvent?.(event);
}

async function refuse(instance: Instance, run: RunRecord, me: string, why: string): Promise<RunWorkerResult> {
  const message = `run worker ${me} refused to run: ${why}`;
  await instance.storage.events.appendEvents([
    { runId: run.runId, type: 'ENGINE_EVENT', level: 'warning', message, data: { worker: me } },
  ]);
  return { exitCode: 1, run: await instance.storage.runs.getRun(run.runId), refused: message };
}

/** Steps that ignored the abort are still running: record the cancel ourselves and leave. */
async function giveUp(
  instance: Instance,
  runId: string,
  signal: NodeJS.Signals,
  writer: BufferedEventWriter | undefined,
): Promise<void> {
  // Events still waiting for storage die with the process: the run's log says how many.
  await writer?.giveUp(`the run worker exited (${signal}) before storage took them`);
  try {
    await instance.storage.runs.transition(
      {
        runId,
        type: 'RUN_CANCELED',
        level: 'warning',
        message: `run was cancelled (${signal}); steps still running did not stop in time and were abandoned`,
      },
      { from: ['STARTED', 'CANCELING'] },
    );
    await endOpenSteps(instance.storage, runId, 'abandoned', `it did not stop within the cancel wait after ${signal}`);
  } catch (error) {
    stderrNote(`runyard worker: could not record the cancel: ${formatErrorChain(toErrorInfo(error))}`);
  }
  process.exit(1);
}
