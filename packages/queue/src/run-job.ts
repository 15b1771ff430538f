import { constants } from 'node:os';
import type { WorkerRef } from 'runyard';

/**
 * What travels on a run queue and back: the run job's payload, the pool worker's result, the
 * record of which pool worker holds a run, and the terminate message. Shared by the launcher
 * (queue-run-launcher.ts) and `runyard queue worker --runs` (cli/run-pool-worker.ts).
 */

/** The run tag (or job tag) naming the run queue a run waits on; the launcher's `queue` otherwise. */
export const RUN_QUEUE_TAG = 'runyard/run_queue';

/** The payload of a run job: what `runyard worker execute-run` needs, nothing of the run itself. */
export interface RunJobData {
  readonly runId: string;
  /** Arguments after `runyard`: `['worker', 'execute-run', <runId>, '--resume'?]`. */
  readonly args: readonly string[];
  /**
   * The worker's environment from the launcher (the serialized instance, with env references
   * unresolved, and the launch attempt): the run worker rebuilds the launcher's instance.
   */
  readonly env: Readonly<Record<string, string>>;
}

/** What a pool worker returns when a run job ends: how the run worker ended, and where it ran. */
export interface RunJobResult {
  readonly pool: string;
  readonly host: string;
  /** The supervising shell's pid, which is the run worker's process group. */
  readonly pgid?: number;
  readonly exitCode?: number;
  readonly signal?: string;
  /** Set when a terminate reached the pool worker: whether it had to SIGKILL. */
  readonly terminated?: { readonly escalated: boolean; readonly detail: string };
  /** Set when the pool worker killed the run worker because it no longer held the job. */
  readonly fenced?: string;
  /** Set when the run worker was never started (terminated first). */
  readonly notStarted?: string;
  /** The last lines of the run worker's stderr, for debugInfo on machines without the file. */
  readonly stderrTail?: string;
}

/** Which pool worker holds an active run job: written when it starts the run worker, removed after. */
export interface RunHolder {
  readonly pool: string;
  readonly host: string;
  readonly pid: number;
  readonly pgid: number;
  readonly startedAt: number;
  /** Set when the pool worker killed the run worker because it no longer held the job. */
  readonly fenced?: string;
}

/** Published on the run-cancel channel; the pool worker holding `jobKey` stops its run worker. */
export interface RunCancelMessage {
  readonly jobKey: string;
  /** 0: SIGKILL at once. */
  readonly graceMs: number;
}

/** What the launcher records on the run: enough to find the run job from any process. */
export interface QueueWorkerRef extends WorkerRef {
  readonly launcher: 'QueueRunLauncher';
  /** The BullMQ job id. */
  readonly externalId: string;
  /** The run queue, as users name it (`runs`), and its BullMQ name (`runs.runs`). */
  readonly queue: string;
  readonly bullQueue: string;
}

export function isQueueWorkerRef(ref: WorkerRef | undefined): ref is QueueWorkerRef {
  return (
    ref?.launcher === 'QueueRunLauncher' && typeof ref.externalId === 'string' && typeof ref.bullQueue === 'string'
  );
}

/** The key of a run job in the holders hash and cancel messages: job ids are unique per queue only. */
export function runJobKey(bullQueue: string, jobId: string): string {
  return `${bullQueue}/${jobId}`;
}

/** A shell reports death by signal N as 128 + N. */
export function describeExit(result: Pick<RunJobResult, 'exitCode' | 'signal'>): string {
  if (result.signal) return `the run worker was killed by ${result.signal}`;
  return `the run worker exited with code ${result.exitCode ?? 'unknown'}`;
}

export function exitOf(code: number | null, signal: NodeJS.Signals | null): { exitCode?: number; signal?: string } {
  if (signal) return { signal };
  if (code !== null && code > 128) return { signal: signalName(code - 128) };
  return { exitCode: code ?? undefined };
}

function signalName(signo: number): string {
  return Object.entries(constants.signals).find(([, n]) => n === signo)?.[0] ?? `signal ${signo}`;
}
