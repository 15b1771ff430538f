import { constants } from 'node:os';
import type { WorkerHealth, WorkerRef } from 'runyard';
import type { DockerContainerInspect } from './docker-client.js';

/** What the launcher records on the run: enough to find the container again from any process. */
export interface DockerWorkerRef extends WorkerRef {
  readonly launcher: 'DockerRunLauncher';
  /** The container id. */
  readonly externalId: string;
  readonly containerName: string;
  readonly image: string;
  /** The engine the container runs on, for people reading the run. */
  readonly dockerHost: string;
}

export function isDockerWorkerRef(ref: WorkerRef | undefined): ref is DockerWorkerRef {
  return ref?.launcher === 'DockerRunLauncher' && typeof ref.externalId === 'string';
}

/**
 * The worker's health from `docker inspect`. `init` adds 128 + N to the exit code of a worker
 * killed by signal N, as a shell would; an OOM kill is named first, since its exit code (137)
 * alone reads like any other SIGKILL.
 */
export function healthFromState(info: DockerContainerInspect, label: string): WorkerHealth {
  const state = info.State;
  const code = state.ExitCode;
  if (state.Running) return { status: 'RUNNING', reason: `container ${label} is running` };
  if (state.OOMKilled) {
    const limit = info.HostConfig?.Memory ? ` of ${formatBytes(info.HostConfig.Memory)}` : '';
    return {
      status: 'FAILED',
      ...(code === undefined ? {} : { exitCode: code }),
      signal: 'SIGKILL',
      failureClass: 'oom',
      retryable: false,
      reason: `container ${label} was OOMKilled: it exceeded its memory limit${limit} (exit code ${code})`,
    };
  }
  if (state.Status === 'created')
    return { status: 'UNKNOWN', transient: true, reason: `container ${label} was created but has not started` };
  if (state.Error)
    return {
      status: 'FAILED',
      // The engine could not run the container at all: its image (a missing entrypoint) or the engine.
      failureClass: IMAGE_ERROR.test(state.Error) ? 'image' : 'infra',
      retryable: false,
      reason: `container ${label} could not run: ${state.Error}`,
    };
  if (code === 0) return { status: 'SUCCESS', exitCode: 0, reason: `container ${label} exited with code 0` };
  if (code === undefined)
    return { status: 'UNKNOWN', transient: true, reason: `container ${label} is ${state.Status}` };
  const signal = code > 128 ? signalName(code - 128) : undefined;
  return {
    status: 'FAILED',
    exitCode: code,
    ...(signal ? { signal } : {}),
    // Any other exit is the worker's: its code, or someone who killed it (OOM is named above).
    failureClass: 'user',
    retryable: false,
    reason: `container ${label} exited with code ${code}${signal ? ` (killed by ${signal})` : ''}`,
  };
}

/** Errors of an image that cannot run: no such image, or an entrypoint the image does not have. */
const IMAGE_ERROR =
  /no such image|pull access denied|manifest unknown|executable file not found|no such file or directory/i;

function signalName(signo: number): string | undefined {
  return Object.entries(constants.signals).find(([, n]) => n === signo)?.[0];
}

export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} B`;
}

/** Docker writes `0001-01-01T00:00:00Z` for times that have not happened. */
export function finishedAtMs(info: DockerContainerInspect): number | undefined {
  const at = info.State.FinishedAt;
  if (!at || at.startsWith('0001-')) return undefined;
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? undefined : ms;
}
