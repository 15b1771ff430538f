import path from 'node:path';
import type { JobDefinition } from '../definitions/job.js';
import { RunNotFoundError } from '../errors.js';
import { type ErrorInfo, formatErrorChain, toErrorInfo } from '../events/error-info.js';
import type { RunEvent } from '../events/run-event.js';
import type { InstanceConfig } from '../instance/instance-config-types.js';
import type { RunRecord } from '../runs/run-record.js';
import type { RunStatus } from '../runs/run-status.js';
import type { RunStatusEvent, TransitionResult } from '../storage/run-storage.js';
import type { Storage } from '../storage/storage.js';
import { outageNotes, withStorageRetry } from '../storage/storage-retry.js';
import { stderrNote } from '../util/stderr-note.js';
import { BufferedEventWriter, type EventWriterOptions } from './event-writer.js';
import type { ExecutionOutcome, Executor } from './executor.js';
import { loadExecutor } from './executor-factory.js';
import type { IOManager } from './io-manager.js';
import { validateRunConfig } from './run-config.js';

export interface ExecuteRunArgs {
  readonly storage: Storage;
  readonly run: RunRecord;
  /**
   * The job, or a function that loads it. A loader runs after the run is claimed, so a second
   * worker is turned away before it loads any user code, and a job that fails to load fails the run.
   */
  readonly job: JobDefinition | (() => Promise<JobDefinition>);
  /** NOT_STARTED for in-process execution; STARTING for a launched run's worker. */
  readonly startFrom: readonly RunStatus[];
  /**
   * Resume a STARTED run whose worker died, instead of starting it: no RUN_START (the run is
   * already STARTED); an engine event records the takeover. The caller makes sure only one
   * worker resumes (see worker/run-worker.ts).
   */
  readonly resume?: boolean;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: RunEvent) => void;
  readonly io?: IOManager;
  readonly completedSteps?: ReadonlyMap<string, string>;
  /** Static node names the run is limited to (its `runyard/selected_steps` tag); absent: every step. */
  readonly selectedSteps?: ReadonlySet<string>;
  /** Where the job was loaded from; needed by executors that run steps in other processes. */
  readonly codeLocation?: string;
  /** The instance's config, for executors that read their own section of it (`queue:`). */
  readonly instanceConfig?: InstanceConfig;
  /** Overrides the executor the job asks for. */
  readonly executor?: Executor;
  /**
   * How the run's events wait out a storage outage (memory bound, spill file, backoff); a worker
   * passes a `writerRef` to give pending events up (and record how many) when it must exit.
   */
  readonly events?: Omit<EventWriterOptions, 'onEvent'> & {
    readonly writerRef?: (writer: BufferedEventWriter) => void;
  };
}

export type RunExecutionResult =
  | { readonly started: false; readonly run: RunRecord | undefined }
  | { readonly started: true; readonly run: RunRecord; readonly outcome: ExecutionOutcome };

/**
 * Runs one run from start to its terminal event, in this process: claims it (RUN_START, a
 * compare-and-swap, so a second worker for the same run gets `started: false`), runs the job's
 * executor, and records RUN_SUCCESS, RUN_FAILURE or RUN_CANCELED.
 */
export async function executeRun(args: ExecuteRunArgs): Promise<RunExecutionResult> {
  const { storage, onEvent } = args;
  const runId = args.run.runId;
  const jobName = typeof args.job === 'function' ? args.run.jobName : args.job.name;
  const note = args.events?.note ?? stderrNote;
  // Storage briefly unreachable must not decide the run's outcome: the run-level compare-and-swaps
  // wait it out like the events do. Tried again after a lost answer, a CAS that was applied says
  // `applied: false` with the run already in its new status, which `finish` accepts.
  let retried = false;
  const retry = <T>(what: string, work: () => Promise<T>) =>
    withStorageRetry(work, {
      ...args.events?.retry,
      ...outageNotes(note, what),
      onRetry: (error, attempt) => {
        retried = true;
        outageNotes(note, what).onRetry?.(error, attempt, 0);
      },
    });
  const transition = async (event: Omit<RunStatusEvent, 'runId'>, from?: readonly RunStatus[]) => {
    const result = await retry(`recording ${event.type}`, () =>
      storage.runs.transition({ ...event, runId }, from ? { from } : undefined),
    );
    if (result.applied) onEvent?.(result.event);
    return result;
  };

  if (args.resume) {
    const current = await retry('resuming the run', () => storage.runs.getRun(runId));
    if (current?.status !== 'STARTED') return { started: false, run: current };
    const [event] = await retry('resuming the run', () =>
      storage.events.appendEvents([
        {
          runId,
          type: 'ENGINE_EVENT',
          message: `resuming run of job '${jobName}' in a new worker (pid ${process.pid}); ${args.completedSteps?.size ?? 0} step(s) already succeeded`,
          data: { pid: process.pid, completedSteps: [...(args.completedSteps?.keys() ?? [])] },
        },
      ]),
    );
    if (event) onEvent?.(event);
  } else {
    const start = await transition(
      {
        type: 'RUN_START',
        message: `started run of job '${jobName}' (pid ${process.pid})`,
        data: { pid: process.pid },
      },
      args.startFrom,
    );
    if (!start.applied && !(retried && (await startedByUs(storage, runId, start.run))))
      return { started: false, run: start.run };
  }

  const { writerRef, ...writerOptions } = args.events ?? {};
  const writer = new BufferedEventWriter(storage.events, runId, { note, ...writerOptions, onEvent });
  writerRef?.(writer);
  let outcome: ExecutionOutcome;
  let job: JobDefinition;
  try {
    job = typeof args.job === 'function' ? await args.job() : args.job;
    const { stepConfigs } = validateRunConfig(job, args.run.runConfig);
    // Executors other than in-process (and a plug-in's, such as `queue`) load only for jobs that use them.
    const executor = args.executor ?? (await loadExecutor(job.executor, codeLocationDir(args.codeLocation)));
    outcome = await executor.execute({
      runId,
      job,
      codeLocation: args.codeLocation,
      tags: args.run.tags,
      stepConfigs,
      emit: writer.emit,
      flush: () => writer.flush(),
      signal: args.signal ?? new AbortController().signal,
      io: args.io,
      completedSteps: args.completedSteps,
      selectedSteps: args.selectedSteps,
      storage,
      instanceConfig: args.instanceConfig,
    });
    await writer.flush();
  } catch (error) {
    await writer.flush().catch(() => undefined);
    const info = toErrorInfo(error);
    const failed = await finish(transition, runId, 'FAILURE', `run failed: ${formatErrorChain(info)}`, info);
    return {
      started: true,
      run: failed,
      outcome: { status: 'FAILURE', failedSteps: [], skippedSteps: [], outputs: new Map() },
    };
  }

  const message =
    outcome.status === 'SUCCESS'
      ? `run of job '${jobName}' succeeded`
      : outcome.status === 'FAILURE'
        ? `run of job '${jobName}' failed: step${outcome.failedSteps.length > 1 ? 's' : ''} ${outcome.failedSteps.map((s) => `'${s}'`).join(', ')} failed`
        : `run of job '${jobName}' was cancelled`;
  const run = await finish(transition, runId, outcome.status, message, undefined, outcome);
  return { started: true, run, outcome: run.status === 'CANCELED' ? { ...outcome, status: 'CANCELED' } : outcome };
}

/**
 * Writes the run's terminal event. If someone asked to cancel the run while it ran (it is now
 * CANCELING), the run ends CANCELED whatever the steps did.
 */
async function finish(
  transition: TransitionFn,
  runId: string,
  status: ExecutionOutcome['status'],
  message: string,
  error?: ErrorInfo,
  outcome?: ExecutionOutcome,
): Promise<RunRecord> {
  const data = outcome ? { failedSteps: outcome.failedSteps, skippedSteps: outcome.skippedSteps } : undefined;
  if (status !== 'CANCELED') {
    const type = status === 'SUCCESS' ? 'RUN_SUCCESS' : 'RUN_FAILURE';
    const result = await transition(
      {
        type,
        message,
        level: status === 'SUCCESS' ? 'info' : 'error',
        ...(data ? { data } : {}),
        ...(error ? { error } : {}),
      },
      ['STARTED'],
    );
    if (result.applied) return result.run;
    if (result.run?.status !== 'CANCELING') return result.run as RunRecord;
  }
  const canceled = await transition(
    { type: 'RUN_CANCELED', message: status === 'CANCELED' ? message : `run was cancelled`, level: 'warning' },
    ['STARTED', 'CANCELING'],
  );
  if (!canceled.run) throw new RunNotFoundError(runId);
  return canceled.run;
}

/**
 * A RUN_START that storage applied but whose answer was lost (the connection reset after COMMIT)
 * comes back `applied: false` when tried again: the run is STARTED, by this process's own event.
 * Asked only after a retry; a worker holds the run's lease, so no other process with our pid ran it.
 */
async function startedByUs(storage: Storage, runId: string, run: RunRecord | undefined): Promise<boolean> {
  if (run?.status !== 'STARTED') return false;
  const starts = await storage.events.getEvents(runId, { types: ['RUN_START'] });
  const last = starts[starts.length - 1];
  return last?.data?.pid === process.pid && last.message.includes(`(pid ${process.pid})`);
}

type TransitionFn = (event: Omit<RunStatusEvent, 'runId'>, from?: readonly RunStatus[]) => Promise<TransitionResult>;

/** Where a plug-in executor's package is looked for besides Runyard's own resolution. */
function codeLocationDir(codeLocation: string | undefined): string {
  if (codeLocation && (path.isAbsolute(codeLocation) || codeLocation.startsWith('.')))
    return path.dirname(path.resolve(codeLocation));
  return process.cwd();
}
