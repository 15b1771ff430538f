import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { constants, hostname } from 'node:os';
import path from 'node:path';
import { RunyardError } from '../../errors.js';
import { LAUNCH_ATTEMPT_ENV } from '../../launch/launch-attempt.js';
import type { RunRecord, WorkerRef } from '../../runs/run-record.js';
import { BaseRunLauncher } from '../base-run-launcher.js';
import type {
  LauncherCapabilities,
  LaunchRunContext,
  ResumeRunContext,
  TerminateContext,
  TerminateResult,
  WorkerHealth,
} from '../run-launcher.js';
import { workerEnvironment } from '../worker-environment.js';
import { describeStoppedMembers, groupMembers } from './process-group-state.js';
import { isOurGroupAlive, processStartTicks, signalGroup } from './process-identity.js';
import type { WarmPool, WarmPoolConfig, WarmPoolState } from './warm-pool.js';

/**
 * Config of `ProcessRunLauncher`: the grace period between SIGTERM and SIGKILL on terminate, the environment passed to workers, and Node flags for them.
 */
export interface ProcessRunLauncherConfig {
  /** Seconds a worker has to stop after SIGTERM before SIGKILL. Default 10. */
  readonly terminateGraceSeconds?: number;
  /** Extra environment for every worker. */
  readonly env?: Readonly<Record<string, string>>;
  /** Node options for the worker process, e.g. `['--max-old-space-size=512']`. */
  readonly execArgv?: readonly string[];
  /**
   * Keep idle run workers ready (Runyard and the instance loaded) and hand runs to them instead of
   * starting a process per run. Only a long-lived launcher (daemon, `dev`, UI server) gains from it.
   */
  readonly warmPool?: WarmPoolConfig;
}

interface ProcessWorkerRef extends WorkerRef {
  readonly launcher: 'ProcessRunLauncher';
  readonly host: string;
  readonly pid: number;
  readonly pgid: number;
  readonly startTicks?: string;
  readonly exitFile: string;
  readonly stderrPath: string;
  /** The run went to a worker of the warm pool. */
  readonly warm?: true;
  /** That worker goes back to the pool after the run: its process (and group) may outlive the run. */
  readonly sharedProcess?: true;
}

const POLL_MS = 25;
const KILL_WAIT_MS = 5_000;

// The shell waits for the worker and writes its exit status, so a worker killed by SIGKILL (or the
// OOM killer) still says how it ended, even though no Node process is its parent any more.
const SUPERVISOR = '"$0" "$@"; code=$?; printf %s "$code" > "$RUNYARD_EXIT_FILE"; exit "$code"';

/**
 * The default launcher: each run gets its own OS process on this machine, in its own process
 * group (so terminate reaches step processes too), with stdout and stderr captured to the
 * instance's compute logs.
 */
export class ProcessRunLauncher extends BaseRunLauncher {
  readonly #config: ProcessRunLauncherConfig;
  #pool: Promise<WarmPool> | undefined;
  #disposed = false;

  constructor(config: ProcessRunLauncherConfig = {}) {
    super();
    this.#config = Object.freeze({ ...config });
  }

  /** How many warm workers are starting, idle and running runs; undefined without a pool. */
  async warmPoolState(): Promise<WarmPoolState | undefined> {
    return this.#pool ? (await this.#pool).state : undefined;
  }

  /**
   * Starts the warm pool now (it otherwise starts with the first launch, which goes to a fresh
   * worker) and resolves once it is full. `worker` is the command the instance would give a launch.
   */
  async warmUp(worker: LaunchRunContext['worker'], home: string): Promise<void> {
    const pool = await this.#warmPool();
    if (!pool) return;
    pool.ensure(this.#warmSpec(worker, home), { now: true });
    await pool.whenFull();
  }

  override async dispose(): Promise<void> {
    this.#disposed = true;
    await (await this.#pool)?.dispose();
  }

  override get capabilities(): LauncherCapabilities {
    return { healthCheck: true, resume: true, debugInfo: true };
  }

  get terminateGraceMs(): number {
    return (this.#config.terminateGraceSeconds ?? 10) * 1000;
  }

  launchRun(ctx: LaunchRunContext): Promise<WorkerRef> {
    return this.#start(ctx);
  }

  override resumeRun(ctx: ResumeRunContext): Promise<WorkerRef> {
    return this.#start(ctx);
  }

  async #start(ctx: LaunchRunContext): Promise<WorkerRef> {
    const logs = ctx.computeLogs.localPaths(ctx.run.runId);
    mkdirSync(path.dirname(logs.stdout), { recursive: true });
    mkdirSync(path.dirname(logs.stderr), { recursive: true });
    // One exit file per launch: a worker of an earlier launch or a superseded relaunch may still
    // exit (refusing the run) after this one started, and must not be read as this one's status.
    const exitFile = path.join(path.dirname(logs.stderr), `worker-${randomUUID().slice(0, 8)}.exit`);
    const pool = await this.#warmPool();
    if (pool) {
      pool.ensure(this.#warmSpec(ctx.worker, ctx.home));
      const [, , runId, ...options] = ctx.worker.args;
      const handoff =
        ctx.worker.args[0] === 'worker' && ctx.worker.args[1] === 'execute-run' && runId
          ? await pool.take(
              {
                runId,
                resume: options.includes('--resume'),
                env: workerEnvironment(this.#config.env, ctx.worker.env),
                stdoutPath: logs.stdout,
                stderrPath: logs.stderr,
                exitFile,
              },
              ctx.run.origin.codeLocation,
            )
          : undefined;
      if (handoff) {
        const ref: ProcessWorkerRef = {
          launcher: 'ProcessRunLauncher',
          host: hostname(),
          pid: handoff.pid,
          pgid: handoff.pid,
          startTicks: handoff.startTicks,
          exitFile,
          stderrPath: logs.stderr,
          warm: true,
          ...(handoff.shared ? { sharedProcess: true as const } : {}),
        };
        await ctx.recordWorker(ref);
        return ref;
      }
      // No idle worker (the first launch, or more runs at once than the pool holds): a fresh one.
    }
    // Append, so a resumed worker's output follows the first one's.
    const out = openSync(logs.stdout, 'a');
    const err = openSync(logs.stderr, 'a');
    try {
      const child = spawn(
        '/bin/sh',
        ['-c', SUPERVISOR, ...withExecArgv(ctx.worker.localCommand, this.#config.execArgv), ...ctx.worker.args],
        {
          detached: true, // a new process group, led by the shell
          stdio: ['ignore', out, err],
          env: workerEnvironment(process.env, this.#config.env, ctx.worker.env, { RUNYARD_EXIT_FILE: exitFile }),
        },
      );
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
      child.unref();
      const pid = child.pid as number;
      const ref: ProcessWorkerRef = {
        launcher: 'ProcessRunLauncher',
        host: hostname(),
        pid,
        pgid: pid,
        startTicks: processStartTicks(pid),
        exitFile,
        stderrPath: logs.stderr,
      };
      await ctx.recordWorker(ref);
      return ref;
    } finally {
      closeSync(out);
      closeSync(err);
    }
  }

  async terminate(ctx: TerminateContext): Promise<TerminateResult> {
    const ref = this.#ref(ctx.run);
    if (!ref) return { stopped: false, escalated: false, detail: 'no worker process was recorded for the run' };
    if (ref.sharedProcess && readExitCode(ref.exitFile) !== undefined)
      return {
        stopped: false,
        escalated: false,
        detail: `the run had ended in warm worker ${ref.pid}, which went back to the pool`,
      };
    if (!isOurGroupAlive(ref.pgid, ref.startTicks))
      return { stopped: false, escalated: false, detail: `worker process group ${ref.pgid} had already exited` };
    signalGroup(ref.pgid, 'SIGTERM');
    if (await waitForExit(ref, ctx.graceMs))
      return { stopped: true, escalated: false, detail: `sent SIGTERM to process group ${ref.pgid}; it exited` };
    signalGroup(ref.pgid, 'SIGKILL');
    if (!(await waitForExit(ref, KILL_WAIT_MS)))
      throw new RunyardError(`process group ${ref.pgid} is still alive ${KILL_WAIT_MS} ms after SIGKILL`);
    const detail =
      ctx.graceMs === 0
        ? `killed process group ${ref.pgid} with SIGKILL`
        : `process group ${ref.pgid} ignored SIGTERM for ${(ctx.graceMs / 1000).toFixed(ctx.graceMs < 1000 ? 1 : 0)} s; killed it with SIGKILL`;
    return { stopped: true, escalated: true, detail };
  }

  /**
   * The worker's own exit status comes first: the supervising shell records it the moment the
   * worker ends, while processes the worker started (an op's subprocess) may keep its group alive.
   * A worker that ended has its group killed here, so nothing of the run runs on without it.
   */
  override async checkRunWorkerHealth(run: RunRecord): Promise<WorkerHealth> {
    const ref = this.#ref(run);
    if (!ref) return { status: 'NOT_FOUND', reason: 'no worker process was recorded for the run' };
    const code = readExitCode(ref.exitFile);
    if (code !== undefined) {
      const health = healthFromExitCode(code);
      // A warm worker that went back to the pool ended the run, not its process: nothing to kill.
      if (ref.sharedProcess) return health;
      const killed = killLeftovers(ref);
      return killed ? { ...health, reason: `${health.reason}; ${killed}` } : health;
    }
    if (isOurGroupAlive(ref.pgid, ref.startTicks)) {
      const stopped = describeStoppedMembers(groupMembers(ref.pgid) ?? []);
      return stopped ? { status: 'RUNNING', reason: stopped } : { status: 'RUNNING' };
    }
    // The shell may have written the status and exited between the first read and the group check.
    const late = readExitCode(ref.exitFile);
    if (late !== undefined) return healthFromExitCode(late);
    return { status: 'NOT_FOUND', reason: `worker process ${ref.pid} is gone and left no exit status` };
  }

  override async debugInfo(run: RunRecord): Promise<string | undefined> {
    const ref = this.#ref(run);
    if (!ref) return undefined;
    const health = await this.checkRunWorkerHealth(run);
    // A stopped worker is alive but does nothing: say STOPPED, not RUNNING.
    const stopped = health.status === 'RUNNING' && health.reason !== undefined;
    const lines = [
      `worker pid ${ref.pid} (process group ${ref.pgid}) on ${ref.host}: ${stopped ? 'STOPPED' : health.status}${health.reason ? `, ${health.reason}` : ''}`,
    ];
    const tail = tailOf(ref.stderrPath, 20);
    if (tail) lines.push(`last lines of stderr:\n${tail}`);
    return lines.join('\n');
  }

  toConfig() {
    return { class: 'ProcessRunLauncher', config: { ...this.#config } as Record<string, unknown> };
  }

  #warmPool(): Promise<WarmPool | undefined> {
    const config = this.#config.warmPool;
    if (!config || this.#disposed) return Promise.resolve(undefined);
    this.#pool ??= import('./warm-pool.js').then(({ WarmPool }) => new WarmPool(config));
    return this.#pool;
  }

  #warmSpec(worker: LaunchRunContext['worker'], home: string) {
    const [node] = worker.localCommand;
    // The launch attempt is the run's own; it comes with each run, not with the pool's workers.
    const { [LAUNCH_ATTEMPT_ENV]: _attempt, ...env } = worker.env;
    return {
      node: withExecArgv([node as string], this.#config.execArgv),
      env: workerEnvironment(process.env, this.#config.env, env),
      dir: path.join(home, 'warm-pool'),
    };
  }

  #ref(run: RunRecord): ProcessWorkerRef | undefined {
    const ref = run.worker;
    if (ref?.launcher !== 'ProcessRunLauncher' || typeof ref.pgid !== 'number') return undefined;
    if (ref.host !== hostname())
      throw new RunyardError(`run ${run.runId}'s worker runs on host '${String(ref.host)}'; reach it from that host`, {
        userError: true,
      });
    return ref as ProcessWorkerRef;
  }
}

/** Node options go between the node executable and the script. */
function withExecArgv(command: readonly string[], execArgv: readonly string[] = []): string[] {
  const [node, ...rest] = command;
  return [node as string, ...execArgv, ...rest];
}

async function waitForExit(ref: ProcessWorkerRef, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isOurGroupAlive(ref.pgid, ref.startTicks)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return true;
}

/**
 * A non-zero exit or a signal is the `user` class: the worker's own code, or someone who killed it.
 * A SIGKILL may also be the kernel's OOM killer (a cgroup memory limit, a full machine), but the
 * exit status cannot tell the two apart and the kernel's log is not ours to read: no guess is made,
 * and the reason names the signal so people can look.
 */
export function healthFromExitCode(code: number): WorkerHealth {
  if (code === 0) return { status: 'SUCCESS', exitCode: 0, reason: 'worker exited with code 0' };
  // A shell reports death by signal N as 128 + N.
  if (code > 128) {
    const signal = signalName(code - 128);
    return {
      status: 'FAILED',
      signal,
      failureClass: 'user',
      retryable: false,
      reason: `worker process was killed by ${signal}`,
    };
  }
  return {
    status: 'FAILED',
    exitCode: code,
    failureClass: 'user',
    retryable: false,
    reason: `worker process exited with code ${code}`,
  };
}

/** Kills what is left of an ended worker's group (an op's subprocess, say); says what it killed. */
function killLeftovers(ref: ProcessWorkerRef): string | undefined {
  if (!isOurGroupAlive(ref.pgid, ref.startTicks)) return undefined;
  // The supervising shell may not have exited yet, the instant after it wrote the exit status: it
  // is killed with the rest, but is no leftover worth a word.
  const pids = (groupMembers(ref.pgid) ?? []).map((m) => m.pid).filter((pid) => pid !== ref.pid);
  if (!signalGroup(ref.pgid, 'SIGKILL') || pids.length === 0) return undefined;
  return `killed the processes left in its group ${ref.pgid} (pid ${pids.join(', ')})`;
}

function readExitCode(file: string): number | undefined {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text === '' ? undefined : Number(text);
  } catch {
    return undefined;
  }
}

function signalName(signo: number): string {
  const name = Object.entries(constants.signals).find(([, n]) => n === signo)?.[0];
  return name ?? `signal ${signo}`;
}

function tailOf(file: string, lines: number): string | undefined {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    return text ? text.split('\n').slice(-lines).join('\n') : undefined;
  } catch {
    return undefined;
  }
}
