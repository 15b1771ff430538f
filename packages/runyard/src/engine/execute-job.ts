import type { JobDefinition } from '../definitions/job.js';
import { validateTags } from '../definitions/job.js';
import { stepNodeOf } from '../definitions/step-key.js';
import { recordExecutionPlan } from '../events/execution-plan.js';
import type { RunEvent } from '../events/run-event.js';
import { endStepsWithRun } from '../events/step-end.js';
import { Instance } from '../instance/instance.js';
import type { RunOrigin, RunRecord } from '../runs/run-record.js';
import type { RunStatus } from '../runs/run-status.js';
import { stderrNote } from '../util/stderr-note.js';
import { RunHeartbeat } from '../worker/heartbeat/run-heartbeat.js';
import type { IOManager } from './io-manager.js';
import { type RunConfig, validateRunConfig } from './run-config.js';
import { executeRun } from './run-execution.js';

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
}

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
  const tags = { ...job.tags, ...validateTags(`run of job '${job.name}'`, options.tags ?? {}) };
  const instance = options.instance ?? (await Instance.ephemeral());
  try {
    const created = await instance.storage.runs.createRun({
      ...(options.runId ? { runId: options.runId } : {}),
      jobName: job.name,
      runConfig,
      tags,
      origin: options.origin ?? { codeLocation: '<in-process>', source: 'api' },
    });
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
          const plan = await recordExecutionPlan(instance.storage, created.runId, job);
          if (plan) {
            events.push(plan);
            options.onEvent?.(plan);
          }
          return job;
        },
        startFrom: ['NOT_STARTED'],
        signal: options.signal,
        io: options.io,
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
