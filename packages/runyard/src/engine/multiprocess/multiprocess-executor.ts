import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { RunyardError } from '../../errors.js';
import { toErrorInfo } from '../../events/error-info.js';
import { workerEnvironment } from '../../launcher/worker-environment.js';
import type { ExecutionOutcome, Executor, ExecutorContext } from '../executor.js';
import { FileSystemIOManager } from '../fs-io-manager.js';
import type { IOManager, IOManagerChildConfig } from '../io-manager.js';
import { expandMapSource } from '../map-expansion.js';
import type { StepInputSource } from '../step-inputs.js';
import { inputSources } from '../step-inputs.js';
import { emitStepFailure, emitStepsSkipped, runStepWithRetries } from '../step-retry.js';
import { type PlannedStep, StepScheduler } from '../step-scheduler.js';
import type { StepProcessBoot } from './messages.js';
import { StepProcessHandle } from './step-process-handle.js';
import { StepProcessPool } from './step-process-pool.js';

export interface MultiprocessExecutorOptions {
  /** How many steps may run at once, each in its own process. Default: os.availableParallelism(). */
  readonly maxConcurrent?: number;
  /** Node flags for the step processes, e.g. `['--max-old-space-size=512']`. Default none. */
  readonly execArgv?: readonly string[];
  /** How long a cancelled step may take to stop before its process is SIGKILLed. Default 5000. */
  readonly terminateGraceMs?: number;
  /** Step processes started ahead of need. Default: maxConcurrent, at most the number of CPUs. */
  readonly spares?: number;
  /**
   * How many steps of the run one step process may run, one after another, before it exits.
   * Default 1: every attempt in a fresh process. More saves the start-up (~150 ms of CPU) of all
   * but the first, at a cost in isolation: the steps share the process's module-level state.
   */
  readonly maxStepsPerProcess?: number;
  /**
   * The most step processes loading at once. Default: os.availableParallelism(), whatever
   * maxConcurrent says: a start-up is all CPU, so more at once than cores only slows each down.
   */
  readonly maxStarting?: number;
  /** Added to the environment the step processes inherit. */
  readonly env?: Readonly<Record<string, string>>;
  /** Where the step processes' output goes. Default: this process's stdout and stderr. */
  readonly stdout?: Writable;
  readonly stderr?: Writable;
}

export const DEFAULT_TERMINATE_GRACE_MS = 5000;

interface ResolvedOptions {
  readonly maxConcurrent: number;
  readonly maxStepsPerProcess: number;
  readonly maxStarting: number;
  readonly execArgv: readonly string[];
  readonly terminateGraceMs: number;
  readonly spares: number;
  readonly env: Readonly<Record<string, string>>;
  readonly stdout: Writable | undefined;
  readonly stderr: Writable | undefined;
}

/**
 * Runs each step attempt in a child process, up to `maxConcurrent` at once, passing outputs
 * through the IO manager. A process runs one attempt and exits, or with `maxStepsPerProcess: N`
 * up to N attempts of the run one at a time (a crash still fails only the attempt it was running,
 * and the next attempt gets another process). A step process that crashes fails that attempt with its exit code or
 * signal, and the step's retry policy applies. The retry decision, STEP_UP_FOR_RETRY,
 * STEP_FAILURE and skipping happen here, exactly as in the in-process executor.
 *
 *   const executor = new MultiprocessExecutor({ maxConcurrent: 4 });
 *   await executeRun({ storage, run, job, codeLocation: '/srv/pipelines/etl.ts', io, executor, startFrom });
 */
export class MultiprocessExecutor implements Executor {
  readonly #options: ResolvedOptions;

  constructor(options: MultiprocessExecutorOptions = {}) {
    const cpus = os.availableParallelism();
    const maxConcurrent = options.maxConcurrent ?? cpus;
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1)
      throw new RunyardError(`maxConcurrent must be a whole number ≥ 1, got ${String(maxConcurrent)}`);
    const spares = options.spares ?? Math.min(maxConcurrent, cpus);
    if (!Number.isInteger(spares) || spares < 0)
      throw new RunyardError(`spares must be a whole number ≥ 0, got ${String(spares)}`);
    const maxStepsPerProcess = options.maxStepsPerProcess ?? 1;
    if (!Number.isInteger(maxStepsPerProcess) || maxStepsPerProcess < 1)
      throw new RunyardError(`maxStepsPerProcess must be a whole number ≥ 1, got ${String(maxStepsPerProcess)}`);
    const maxStarting = options.maxStarting ?? cpus;
    if (!Number.isInteger(maxStarting) || maxStarting < 1)
      throw new RunyardError(`maxStarting must be a whole number ≥ 1, got ${String(maxStarting)}`);
    const terminateGraceMs = options.terminateGraceMs ?? DEFAULT_TERMINATE_GRACE_MS;
    if (!(terminateGraceMs >= 0))
      throw new RunyardError(`terminateGraceMs must be ≥ 0, got ${String(terminateGraceMs)}`);
    this.#options = Object.freeze({
      maxConcurrent,
      maxStepsPerProcess,
      maxStarting,
      spares,
      terminateGraceMs,
      execArgv: Object.freeze([...(options.execArgv ?? [])]),
      env: Object.freeze({ ...(options.env ?? {}) }),
      stdout: options.stdout,
      stderr: options.stderr,
    });
  }

  async execute(ctx: ExecutorContext): Promise<ExecutionOutcome> {
    if (!ctx.codeLocation)
      throw new RunyardError(
        `job '${ctx.job.name}' cannot run on the multiprocess executor: it was not loaded from a code location, so step processes cannot load it (jobs built in memory run in process only)`,
        { userError: true },
      );
    if (ctx.io && typeof ctx.io.toChildConfig !== 'function')
      throw new RunyardError(
        `the multiprocess executor passes outputs between processes through the IO manager, and ${ctx.io.constructor.name} cannot be rebuilt in a step process (it has no toChildConfig()); use FileSystemIOManager or another that can`,
        { userError: true },
      );
    const entry = stepProcessEntry();
    // Outputs of a run without an IO manager still have to cross processes: a directory of its own.
    const tempDir = ctx.io ? undefined : await mkdtemp(path.join(os.tmpdir(), 'runyard-outputs-'));
    const io = ctx.io ?? new FileSystemIOManager(tempDir as string);
    try {
      return await this.#execute(ctx, entry, io, (io.toChildConfig as () => IOManagerChildConfig).call(io));
    } finally {
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    }
  }

  async #execute(
    ctx: ExecutorContext,
    entry: string,
    io: IOManager,
    ioManager: IOManagerChildConfig,
  ): Promise<ExecutionOutcome> {
    const graph = ctx.job.graph;
    const completed = ctx.completedSteps ?? new Map<string, string>();
    const scheduler = new StepScheduler(graph, {
      completed: new Set(completed.keys()),
      maxMappedSteps: ctx.job.maxMappedSteps,
      selected: ctx.selectedSteps,
    });
    const boot: StepProcessBoot = {
      codeLocation: ctx.codeLocation as string,
      cwd: process.cwd(),
      jobName: ctx.job.name,
      maxSteps: this.#options.maxStepsPerProcess,
    };
    const options = this.#options;
    const pool = new StepProcessPool({
      maxSpares: options.spares,
      maxStarting: options.maxStarting,
      stepsPerProcess: options.maxStepsPerProcess,
      terminateGraceMs: options.terminateGraceMs,
      demand: () => scheduler.pendingCount,
      spawn: () =>
        new StepProcessHandle({
          entry,
          boot,
          execArgv: [...inheritedConditions(), ...options.execArgv],
          env: workerEnvironment(process.env, options.env),
          stdout: options.stdout ?? process.stdout,
          stderr: options.stderr ?? process.stderr,
        }),
    });
    const onAbort = () => pool.cancel();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let running = 0;
    let expanding = 0;
    try {
      await new Promise<void>((resolve) => {
        const pump = () => {
          // A map's list is read back through the IO manager (the step ran in another process).
          for (const source of ctx.signal.aborted ? [] : scheduler.takeExpansions()) {
            expanding++;
            const from = { runId: completed.get(source) ?? ctx.runId, stepKey: source };
            void expandMapSource(scheduler, source, () => io.loadOutput(from), ctx.emit).then(() => {
              expanding--;
              pool.refill();
              pump();
            });
          }
          while (running < options.maxConcurrent && !ctx.signal.aborted) {
            const planned = scheduler.take();
            if (planned === undefined) break;
            running++;
            const inputs = inputSources(ctx.runId, scheduler.inputsOf(planned.key), completed);
            void this.#runStep(ctx, planned, inputs, pool, ioManager).then((ok) => {
              running--;
              if (ok) scheduler.succeeded(planned.key);
              else {
                emitStepsSkipped(ctx.emit, scheduler.failedStep(planned.key));
                pool.refill();
              }
              pump();
            });
          }
          if (running === 0 && expanding === 0) resolve();
        };
        if (!ctx.signal.aborted) pool.refill();
        pump();
      });
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      // Resolve only when no step process is left: spares are killed, the rest have exited.
      await pool.close();
    }
    return {
      status: ctx.signal.aborted ? 'CANCELED' : scheduler.failed.length ? 'FAILURE' : 'SUCCESS',
      failedSteps: scheduler.failed,
      skippedSteps: scheduler.skipped,
      outputs: new Map(),
    };
  }

  /** Runs one step with its retry policy, each attempt in a process of the pool; true when it succeeded. Never throws. */
  async #runStep(
    ctx: ExecutorContext,
    planned: PlannedStep,
    inputs: Record<string, StepInputSource>,
    pool: StepProcessPool,
    ioManager: IOManagerChildConfig,
  ): Promise<boolean> {
    const { step } = planned;
    try {
      const result = await runStepWithRetries({
        step,
        signal: ctx.signal,
        emit: ctx.emit,
        runAttempt: async (attempt) => {
          const outcome = await pool.runAttempt(
            {
              type: 'run_step',
              runId: ctx.runId,
              jobName: ctx.job.name,
              stepKey: step.key,
              attempt,
              config: ctx.stepConfigs.get(planned.node.key),
              tags: ctx.tags,
              inputs,
              ioManager,
            },
            { emit: ctx.emit, flush: ctx.flush },
          );
          // The output stays in the IO manager; nothing comes back to this process.
          if (outcome.ok) return { ok: true, output: undefined };
          return outcome.retryable
            ? { ok: false, error: outcome.error }
            : { ok: false, error: outcome.error, retryable: false };
        },
      });
      return result.ok;
    } catch (error) {
      emitStepFailure(ctx.emit, step.key, toErrorInfo(error));
      return false;
    }
  }
}

/**
 * The compiled step-process.js. Step processes always run the built JavaScript, never a
 * TypeScript loader: from the sources (tests), the package's dist holds it.
 */
export function stepProcessEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const entry = here.endsWith('.ts')
    ? path.resolve(path.dirname(here), '../../../dist/engine/multiprocess/step-process.js')
    : path.join(path.dirname(here), 'step-process.js');
  if (!existsSync(entry))
    throw new RunyardError(
      `the step process entry ${entry} is missing; build Runyard first (npx tsc -b packages/runyard)`,
    );
  return entry;
}

/**
 * `--conditions` change which file a package import resolves to, so step processes get the run
 * worker's, and load the same code; no other flag is passed on (test runners' loaders, inspectors).
 */
export function inheritedConditions(): string[] {
  const flags: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (/^(?:--conditions|-C)=/.test(arg)) flags.push(arg);
    else if ((arg === '--conditions' || arg === '-C') && argv[i + 1] !== undefined)
      flags.push(arg, argv[++i] as string);
  }
  return flags;
}
