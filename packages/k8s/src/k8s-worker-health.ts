import { constants } from 'node:os';
import type { WorkerHealth } from 'runyard';
import type { KubeContainerStatus, KubeEvent, KubeJob, KubePod } from './k8s-client.js';
import { CONTAINER_NAME } from './k8s-names.js';

export interface DiagnosisInput {
  readonly jobName: string;
  readonly job: KubeJob | undefined;
  /** The run's pods for this Job, newest last. */
  readonly pods: readonly KubePod[];
  /** Warning events of the Job, read only when it has no pod to explain it. */
  readonly jobEvents?: readonly KubeEvent[];
  readonly now: number;
  /** How long CreateContainerConfigError may last before it is a failure (a Secret may be on its way). */
  readonly configErrorGraceMs: number;
}

const IMAGE_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

/**
 * The worker's health from what the cluster says about its Job and pod, most specific first: an
 * OOM kill before a plain exit 137, a disruption before the failure it caused, an image or
 * scheduling problem before "pending". Every FAILED answer carries a failure class and whether
 * starting the worker again may help.
 */
export function diagnose(input: DiagnosisInput): WorkerHealth {
  const { job, jobName } = input;
  const pod = input.pods.at(-1);
  if (!job && !pod) return { status: 'NOT_FOUND', reason: `Job ${jobName} and its pods no longer exist` };
  if (pod) {
    const answer = fromPod(pod, input);
    if (answer) return answer;
  }
  const failed = job?.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed) {
    const disrupted = failed.reason === 'PodFailurePolicy' && /DisruptionTarget/.test(failed.message ?? '');
    return {
      status: 'FAILED',
      failureClass: disrupted ? 'preempted' : failed.reason === 'DeadlineExceeded' ? 'user' : 'infra',
      retryable: disrupted,
      reason: `Job ${jobName} failed: ${failed.reason ?? 'Failed'}${failed.message ? `: ${failed.message}` : ''}`,
    };
  }
  if (job?.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'))
    return { status: 'SUCCESS', exitCode: 0, reason: `Job ${jobName} completed` };
  if (!pod) {
    const failedCreate = input.jobEvents?.filter((e) => e.type === 'Warning' && e.reason === 'FailedCreate').at(-1);
    if (failedCreate)
      return {
        status: 'FAILED',
        failureClass: 'infra',
        retryable: false,
        reason: `Job ${jobName} cannot create its pod (FailedCreate): ${failedCreate.message ?? ''}`.trim(),
      };
    return { status: 'UNKNOWN', transient: true, reason: `Job ${jobName} has no pod yet` };
  }
  return { status: 'UNKNOWN', transient: true, reason: `pod ${podName(pod)} is ${pod.status?.phase ?? 'unknown'}` };
}

function fromPod(pod: KubePod, input: DiagnosisInput): WorkerHealth | undefined {
  const name = podName(pod);
  const status = pod.status;
  const container = status?.containerStatuses?.find((c) => c.name === CONTAINER_NAME) ?? status?.containerStatuses?.[0];
  const disruption = status?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  const terminated = container?.state?.terminated;

  if (terminated?.reason === 'OOMKilled')
    return {
      status: 'FAILED',
      exitCode: terminated.exitCode,
      signal: 'SIGKILL',
      failureClass: 'oom',
      retryable: false,
      reason: `pod ${name} was OOMKilled: container ${container?.name} exceeded its memory limit${memoryLimit(pod)} (exit code ${terminated.exitCode})`,
    };
  if (disruption || status?.reason === 'Evicted' || status?.reason === 'Preempting')
    return {
      status: 'FAILED',
      ...(terminated ? { exitCode: terminated.exitCode } : {}),
      failureClass: 'preempted',
      retryable: true,
      reason: `pod ${name} was ${disruption ? `disrupted (DisruptionTarget: ${disruption.reason ?? ''}${disruption.message ? `, ${disruption.message}` : ''})` : (status?.reason ?? 'evicted')}${status?.message ? `: ${status.message}` : ''}`,
    };
  const waiting = container?.state?.waiting;
  if (waiting?.reason && IMAGE_REASONS.has(waiting.reason))
    return {
      status: 'FAILED',
      failureClass: 'image',
      retryable: false,
      reason: `pod ${name} cannot pull its image (${waiting.reason})${waiting.message ? `: ${waiting.message}` : ''}`,
    };
  const scheduled = status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable')
    return {
      status: 'FAILED',
      failureClass: 'unschedulable',
      retryable: false,
      reason: `pod ${name} cannot be scheduled (Unschedulable)${scheduled.message ? `: ${scheduled.message}` : ''}`,
    };
  if (waiting?.reason === 'CreateContainerConfigError') {
    const since = Date.parse(String(pod.metadata?.creationTimestamp ?? ''));
    const what = `pod ${name} cannot start its container (CreateContainerConfigError)${waiting.message ? `: ${waiting.message}` : ''}`;
    if (Number.isNaN(since) || input.now - since >= input.configErrorGraceMs)
      return { status: 'FAILED', failureClass: 'infra', retryable: false, reason: what };
    return { status: 'UNKNOWN', transient: true, reason: what };
  }
  if (terminated) return fromExit(name, container as KubeContainerStatus, terminated);
  if (container?.state?.running) return { status: 'RUNNING', reason: `pod ${name} is running` };
  return undefined;
}

function fromExit(
  pod: string,
  container: KubeContainerStatus,
  terminated: NonNullable<NonNullable<KubeContainerStatus['state']>['terminated']>,
): WorkerHealth {
  const code = terminated.exitCode;
  if (code === 0)
    return { status: 'SUCCESS', exitCode: 0, reason: `pod ${pod}: container ${container.name} exited with code 0` };
  const signal = terminated.signal ? signalName(terminated.signal) : code > 128 ? signalName(code - 128) : undefined;
  return {
    status: 'FAILED',
    exitCode: code,
    ...(signal ? { signal } : {}),
    failureClass: 'user',
    retryable: false,
    reason: `pod ${pod}: container ${container.name} exited with code ${code}${signal ? ` (killed by ${signal})` : ''}${terminated.reason && terminated.reason !== 'Error' ? ` (${terminated.reason})` : ''}`,
  };
}

function memoryLimit(pod: KubePod): string {
  const containers = (pod.spec as { containers?: { resources?: { limits?: { memory?: unknown } } }[] } | undefined)
    ?.containers;
  const limit = containers?.[0]?.resources?.limits?.memory;
  return limit === undefined ? '' : ` of ${String(limit)}`;
}

function signalName(signo: number): string | undefined {
  return Object.entries(constants.signals).find(([, n]) => n === signo)?.[0];
}

export function podName(pod: KubePod): string {
  return pod.metadata?.name ?? '(unnamed)';
}
