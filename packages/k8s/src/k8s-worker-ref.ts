import type { WorkerRef } from 'runyard';

/** What the launcher records on the run: enough to find the Job again from any process. */
export interface K8sWorkerRef extends WorkerRef {
  readonly launcher: 'K8sRunLauncher';
  /** The Job's name. */
  readonly externalId: string;
  readonly namespace: string;
  readonly runId: string;
  readonly image: string;
  /** 0 for the launch, N for the Nth resume (the Job is then `<name>-<N>`). */
  readonly attempt: number;
  /** When the Job was created (ms since the epoch): after a while, a Job missing from the informer's cache is gone. */
  readonly launchedAt?: number;
}

export function isK8sWorkerRef(ref: WorkerRef | undefined): ref is K8sWorkerRef {
  return ref?.launcher === 'K8sRunLauncher' && typeof ref.externalId === 'string' && typeof ref.namespace === 'string';
}
