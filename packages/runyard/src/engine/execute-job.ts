import type { JobDefinition } from '../definitions/job.js';
import { validateTags } from '../definitions/job.js';
import { stepNodeOf } from '../definitions/step-key.js';
import { recordExecutionPlan } from '../events/execution-plan.js';
import type { RunEvent } from '../events/run-event.js';
import { endStepsWithRun } from '../events/step-end.js';
import { configuredIOManager } from '../instance/configured-io-manager.js';
import { Instance } from '../instance/instance.js';
import { fromRunTags } from '../retries/retry-tags.js';
import type { RunOrigin, RunRecord } from '../runs/run-record.js';
import type { RunStatus } from '../runs/run-status.js';
import { resolveSelection } from '../selection/resolve-selection.js';
import { SelectionError } from '../selection/selection-error.js';
import { checkSelectionInputs } from '../selection/selection-inputs.js';
import { selectionTags } from '../selection/selection-tags.js';
import { stderrNote } from '../util/stderr-note.js';
import { completedStepsForRun } from '../worker/completed-steps.js';
import { RunHeartbeat } from '../worker/heartbeat/run-heartbeat.js';
import type { IOManager } from './io-manager.js';
import { type RunConfig, validateRunConfig } from './run-config.js';
import { executeRun } from './run-execution.js';

/**
 * Options of `executeJob()`: run config, tags, the instance to record in (default: a throwaway
 * in-memory one), an event callback and an abort signal.
 */
export interface ExecuteJobOptions {
  readonly runConfig?: RunConfig;
  /** Added to the job's tags (the run's win). */
  readonly tags?: Readonly<Record<string, string>>;
  /** Where the run is recorded. Default: a throwaway in-memory instance. */
  readonly instance?: Instance;
  readonly runId?: string;
  /** Called with each event as it is stored. */
  readonly onEvent?: (event: RunEvent) => void;
  /** Aborting it cancels the run: no new steps start, and running ones see `ctx.signal` aborted. */
  readonly signal?: AbortSignal;
  /**
   * Where step outputs are kept. Default: in memory, unless `instance`'s runyard.yaml names an
   * `ioManager` other than the default; then that one (see instance/configured-io-manager.ts).
   */
  readonly io?: IOManager;
  /** Recorded as the run's origin. */
  readonly origin?: RunOrigin;
  /**
   * Where step processes load the job from (a file path or package name), for executors that run
   * steps in other processes. Default: the origin's code location, when an origin is given.
   */
  readonly codeLocation?: string;
  /**
   * Heartbeat into storage while the run executes, from a thread (as a run worker does), so run
   * monitoring fails the run if this process dies. Needs a persistent `instance`; `runyard job
   * execute` sets it.
   */
  readonly heartbeat?: boolean;
  /** Run only these steps (see docs/step-selection.md); unmatched terms throw SelectionError before any run exists. */
  readonly selection?: string;
  /**
   * The run that outputs of steps outside the selection are read from (through `io`); the new
   * run is linked to it as its parent. Outputs it lacks throw SelectionError before any run exists.
   */
  readonly fromRun?: RunRecord;
}

/**
 * What `executeJob()` returns: the run's id and status, the failed and skipped steps, the run record,
 * its events, and `outputFor(stepKey)`.
 */
export interface ExecuteJobResult {
  readonly runId: string;
  readonly status: RunStatus;
  readonly success: boolean;
  readonly failedSteps: readonly string[];
  readonly skippedSteps: readonly string[];
  readonly run: RunRecord;
  /** Every event of the run, in order. */
  readonly events: readonly RunEvent[];
  /** The output of a step that ran in this process (a mapped step by its key: `load[a.csv]`). */
  outputFor(stepKey: string): unknown;
}

/**
 * Executes a job in this process, with no coordinator and no launcher (DESIGN.md: "execute").
 * Invalid run config throws InvalidConfigError before any run is created.
 */
export async function executeJob(job: JobDefinition, options: ExecuteJobOptions = {}): Promise<ExecuteJobResult> {
  const { runConfig } = validateRunConfig(job, options.runConfig ?? {});
  const selection =
    options.selection === undefined
      ? undefined
      : resolveSelection(job.graph, options.selection, `job '${job.name}': step selection`);
  const tags = {
    ...job.tags,
    ...validateTags(`run of job '${job.name}'`, options.tags ?? {}),
    ...(selection ? selectionTags(selection) : {}),
    ...(options.fromRun && selection ? fromRunTags(options.fromRun) : {}),
  };
  const instance = options.instance ?? (await Instance.ephemeral());
  try {
    // The instance's configured IO manager (runyard.yaml `ioManager`), or memory for the default.
    const io = options.io ?? (options.instance ? await configuredIOManager(options.instance) : undefined);
    const selectedSteps = selection ? new Set(selection.steps) : undefined;
    if (selectedSteps) {
      const issues = await checkSelectionInputs({
        jobName: job.name,
        graph: job.graph,
        selected: selectedSteps,
        parent: options.fromRun,
        storage: instance.storage,
        io,
      });
      if (issues.length)
        throw new SelectionError(`job '${job.name}': step selection '${selection?.expression}'`, issues);
    }
    const parent = selection ? options.fromRun : undefined;
    const created = await instance.storage.runs.createRun({
      ...(options.runId ? { runId: options.runId } : {}),
      jobName: job.name,
      runConfig,
      tags,
      origin: options.origin ?? { codeLocation: '<in-process>', source: 'api' },
      ...(parent ? { parentRunId: parent.runId, rootRunId: parent.rootRunId ?? parent.runId } : {}),
    });
    const completedSteps = io ? await completedStepsForRun(instance.storage, created, io) : undefined;
    const heartbeat =
      options.heartbeat && !instance.ephemeral
        ? await RunHeartbeat.start({
            storage: instance.storage,
            serializedInstance: instance.serialize(),
            target: { runId: created.runId },
            intervalMs: instance.config.runWorker.heartbeatIntervalSeconds * 1000,
            log: (line) => stderrNote(`runyard: ${line}`),
          })
        : undefined;
    const events: RunEvent[] = [];
    let result: Awaited<ReturnType<typeof executeRun>>;
    try {
      result = await executeRun({
        storage: instance.storage,
        run: created,
        job: async () => {
          const plan = await recordExecutionPlan(instance.storage, created.runId, job, selectedSteps);
          if (plan) {
            events.push(plan);
            options.onEvent?.(plan);
          }
          return job;
        },
        startFrom: ['NOT_STARTED'],
        signal: options.signal,
        io,
        completedSteps,
        selectedSteps,
        codeLocation: options.codeLocation ?? options.origin?.codeLocation,
        onEvent: (event) => {
          events.push(event);
          options.onEvent?.(event);
        },
      });
    } finally {
      await heartbeat?.stop();
    }
    if (result.started) await endStepsWithRun(instance.storage, result.run);
    const run = result.run ?? created;
    const outputs = result.started ? result.outcome.outputs : new Map<string, unknown>();
    return {
      runId: run.runId,
      status: run.status,
      success: run.status === 'SUCCESS',
      failedSteps: result.started ? result.outcome.failedSteps : [],
      skippedSteps: result.started ? result.outcome.skippedSteps : [],
      run,
      events,
      outputFor(stepKey: string) {
        if (!job.graph.steps.has(stepNodeOf(stepKey))) throw new Error(`job '${job.name}' has no step '${stepKey}'`);
        return outputs.get(stepKey);
      },
    };
  } finally {
    if (!options.instance) await instance.dispose();
  }
}
