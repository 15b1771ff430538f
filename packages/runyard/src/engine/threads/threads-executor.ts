import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ThreadResourceLimits } from '../../definitions/thread-resource-limits.js';
import { RunyardError } from '../../errors.js';
import type { ExecutionOutcome, Executor, ExecutorContext } from '../executor.js';
import { runPlan } from '../plan-runner.js';
import type { StepThreadBoot } from './messages.js';
import { StepThread } from './step-thread.js';
import { StepThreadPool } from './step-thread-pool.js';

export interface ThreadsExecutorOptions {
  /** How many steps may run at once, each in its own thread. Default: os.availableParallelism(). */
  readonly maxConcurrent?: number;
  /** Each thread's heap and stack limits. Default: the run worker's. */
  readonly resourceLimits?: ThreadResourceLimits;
  /** How long a cancelled step may take to stop before its thread is terminated. Default 5000. */
  readonly terminateGraceMs?: number;
  /** Where the steps' output goes. Default: this process's stdout and stderr (the run's compute logs). */
  readonly stdout?: Writable;
  readonly stderr?: Writable;
}

export const DEFAULT_THREAD_TERMINATE_GRACE_MS = 5000;

/**
 * Runs step attempts in a pool of worker threads, one per concurrent step, each of which loads
 * Runyard and the code location once and then runs attempt after attempt: a step costs a message,
 * not a process. Scheduling, retries, events and outputs are the in-process executor's (the plan
 * runner); outputs come back to the run worker as values and go through its IO manager. A thread
 * that ends mid-attempt (heap limit, process.exit(), an uncaught exception, a cancel it ignored)
 * fails that attempt only, and a new thread takes its place.
 *
 *   const etl = job({ name: 'etl', executor: { type: 'threads', resourceLimits: { maxOldGenerationSizeMb: 512 } }, graph });
 */
export class ThreadsExecutor implements Executor {
  readonly #maxConcurrent: number;
  readonly #limits: ThreadResourceLimits | undefined;
  readonly #graceMs: number;
  readonly #stdout: Writable | undefined;
  readonly #stderr: Writable | undefined;

  constructor(options: ThreadsExecutorOptions = {}) {
    const maxConcurrent = options.maxConcurrent ?? os.availableParallelism();
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1)
      throw new RunyardError(`maxConcurrent must be a whole number ≥ 1, got ${String(maxConcurrent)}`);
    const graceMs = options.terminateGraceMs ?? DEFAULT_THREAD_TERMINATE_GRACE_MS;
    if (!(graceMs >= 0)) throw new RunyardError(`terminateGraceMs must be ≥ 0, got ${String(graceMs)}`);
    this.#maxConcurrent = maxConcurrent;
    this.#limits = options.resourceLimits;
    this.#graceMs = graceMs;
    this.#stdout = options.stdout;
    this.#stderr = options.stderr;
  }

  async execute(ctx: ExecutorContext): Promise<ExecutionOutcome> {
    if (!ctx.codeLocation)
      throw new RunyardError(
        `job '${ctx.job.name}' cannot run on the threads executor: it was not loaded from a code location, so step threads cannot load it (jobs built in memory run in process only)`,
        { userError: true },
      );
    const boot: StepThreadBoot = { codeLocation: ctx.codeLocation, cwd: process.cwd(), jobName: ctx.job.name };
    const entry = stepThreadEntry();
    const pool = new StepThreadPool({
      size: this.#maxConcurrent,
      spawn: () =>
        new StepThread({
          entry,
          boot,
          execArgv: inheritedConditions(),
          ...(this.#limits ? { resourceLimits: this.#limits } : {}),
          stdout: this.#stdout ?? process.stdout,
          stderr: this.#stderr ?? process.stderr,
        }),
    });
    const onAbort = () => pool.cancel(this.#graceMs);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await runPlan(ctx, {
        maxConcurrent: this.#maxConcurrent,
        // A thread takes far longer to load than a step to run: as many threads as steps left
        // (waiting ones included, so a fan-out's threads load while its root runs), up to the
        // concurrency. A chain loads one thread more than it uses; a fan-out waits for none.
        onPending: (running, pending) => pool.warm(running + pending),
        runAttempt: ({ planned, inputs, attempt, storeOutput }) =>
          pool.runAttempt(
            {
              type: 'run_step',
              runId: ctx.runId,
              stepKey: planned.step.key,
              attempt,
              config: ctx.stepConfigs.get(planned.node.key),
              tags: ctx.tags,
              inputs,
            },
            { emit: ctx.emit, flush: ctx.flush, storeOutput },
          ),
      });
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      // Every step has ended: no thread has work left, and each is told to end now. Tearing a
      // thread down (freeing its heap) takes tens of milliseconds, which the run's end event
      // need not wait for; a terminating thread no longer keeps the process alive.
      void pool.close();
    }
  }
}

/**
 * The compiled step-thread-main.js. Threads always run the built JavaScript: from the sources
 * (tests), the package's dist holds it.
 */
export function stepThreadEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const entry = here.endsWith('.ts')
    ? path.resolve(path.dirname(here), '../../../dist/engine/threads/step-thread-main.js')
    : path.join(path.dirname(here), 'step-thread-main.js');
  if (!existsSync(entry))
    throw new RunyardError(
      `the step thread entry ${entry} is missing; build Runyard first (npx tsc -b packages/runyard)`,
    );
  return entry;
}

/**
 * `--conditions` decide which file a package import resolves to, so threads get the run
 * worker's and load the same code; no other flag is passed on (a test runner's loader, say).
 */
function inheritedConditions(): string[] {
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
