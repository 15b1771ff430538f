import { constants } from 'node:os';
import type { WorkerHealth, WorkerRef } from 'runyard';
import type { EcsContainer, EcsTask } from './ecs-client.js';

/** What the launcher records on the run: enough to find the task again from any process. */
export interface EcsWorkerRef extends WorkerRef {
  readonly launcher: 'EcsRunLauncher';
  /** The task ARN. */
  readonly externalId: string;
  readonly cluster: string;
  readonly taskDefinition: string;
  readonly containerName: string;
  /** 1 for the first task of this launch; more when a task that failed to start was replaced. */
  readonly startAttempt: number;
}

export function isEcsWorkerRef(ref: WorkerRef | undefined): ref is EcsWorkerRef {
  return ref?.launcher === 'EcsRunLauncher' && typeof ref.externalId === 'string';
}

const STARTING = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING']);
const ALIVE = new Set(['RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING']);

/** True while the task has not yet run its containers. */
export function isStarting(task: EcsTask): boolean {
  return STARTING.has(task.lastStatus ?? 'PROVISIONING');
}

export function isStopped(task: EcsTask): boolean {
  return task.lastStatus === 'STOPPED' || task.lastStatus === 'DELETED';
}

export function taskLabel(arn: string): string {
  return `task ${arn.split('/').pop() ?? arn}`;
}

/**
 * The worker's health from DescribeTasks. ECS says why a task stopped in three places (the stop
 * code, the stopped reason, and each container's reason and exit code); they are read in the order
 * that names the cause best: a task that never started, an interruption, out of memory, an exit code.
 */
export function healthFromTask(task: EcsTask, containerName: string): WorkerHealth {
  const label = taskLabel(task.taskArn ?? 'unknown');
  const status = task.lastStatus ?? 'unknown';
  if (isStarting(task)) return { status: 'UNKNOWN', transient: true, reason: `${label} is ${status}, not yet running` };
  if (ALIVE.has(status)) return { status: 'RUNNING', reason: `${label} is ${status}` };
  if (!isStopped(task)) return { status: 'UNKNOWN', transient: true, reason: `${label} is ${status}` };

  const container = task.containers?.find((c) => c.name === containerName);
  const why = [task.stoppedReason, container?.reason].filter(Boolean).join('; ');
  const stopped = `${label} stopped (${task.stopCode ?? 'no stop code'}${why ? `: ${why}` : ''})`;
  const startFailure = classifyStartFailure(task, container);
  if (startFailure)
    return {
      status: 'FAILED',
      reason: stopped,
      failureClass: startFailure.failureClass,
      retryable: startFailure.retryable,
    };
  if (task.stopCode === 'SpotInterruption' || /spot.*interrupt/i.test(task.stoppedReason ?? ''))
    return {
      status: 'FAILED',
      ...exitFacts(container),
      reason: `${stopped}: Fargate Spot reclaimed the capacity; the run was interrupted, not failed by its code`,
      failureClass: 'preempted',
      retryable: true,
    };
  if (/OutOfMemory/i.test(container?.reason ?? ''))
    return {
      status: 'FAILED',
      ...exitFacts(container),
      signal: 'SIGKILL',
      reason: `${stopped}: the worker container ran out of memory`,
      failureClass: 'oom',
      retryable: false,
    };
  const code = container?.exitCode;
  if (code === 0)
    return { status: 'SUCCESS', exitCode: 0, reason: `${stopped}; container ${containerName} exited with code 0` };
  if (code !== undefined && code !== null) {
    const signal = code > 128 ? signalName(code - 128) : undefined;
    return {
      status: 'FAILED',
      exitCode: code,
      ...(signal ? { signal } : {}),
      reason: `${stopped}; container ${containerName} exited with code ${code}${signal ? ` (killed by ${signal})` : ''}`,
      failureClass: task.stopCode === 'ServiceSchedulerInitiated' ? 'infra' : 'user',
      retryable: task.stopCode === 'ServiceSchedulerInitiated',
    };
  }
  return { status: 'FAILED', reason: `${stopped}; no exit code was reported`, failureClass: 'infra', retryable: true };
}

/** A task that stopped before its worker ran: why, and whether starting another one may work. */
export function classifyStartFailure(
  task: EcsTask,
  container: EcsContainer | undefined,
): { readonly failureClass: 'image' | 'capacity' | 'infra'; readonly retryable: boolean } | undefined {
  const text = `${task.stoppedReason ?? ''} ${container?.reason ?? ''}`;
  if (/CannotPullContainerError|CannotPullImage|pull image manifest|not found: manifest/i.test(text))
    return { failureClass: 'image', retryable: false };
  if (task.stopCode !== 'TaskFailedToStart') return undefined;
  if (/capacity is unavailable|insufficient capacity|RESOURCE:|no container instances/i.test(text))
    return { failureClass: 'capacity', retryable: true };
  // ResourceInitializationError (an ENI or secret that timed out), CannotStartContainerError, …
  return { failureClass: 'infra', retryable: true };
}

function exitFacts(container: EcsContainer | undefined): { exitCode?: number } {
  return container?.exitCode === undefined || container.exitCode === null ? {} : { exitCode: container.exitCode };
}

function signalName(signo: number): string | undefined {
  return Object.entries(constants.signals).find(([, n]) => n === signo)?.[0];
}
