import type { QueueConfig } from './queue-config.js';

/**
 * BullMQ queue names. Steps and runs never share a queue: a pool of run workers waiting for its
 * own steps on the same queue could take every slot and wait forever. BullMQ keeps ':' for its
 * own keys, so the kind is joined with '.'.
 */
export type QueueKind = 'steps' | 'runs';

export function bullQueueName(kind: QueueKind, name: string): string {
  return `${kind}.${name}`;
}

/** `steps.warehouse` → { kind: 'steps', name: 'warehouse' }; anything else undefined. */
export function parseBullQueueName(bullName: string): { kind: QueueKind; name: string } | undefined {
  const match = /^(steps|runs)\.(.+)$/.exec(bullName);
  return match ? { kind: match[1] as QueueKind, name: match[2] as string } : undefined;
}

/**
 * BullMQ job id of one step attempt: the same run, step and attempt give the same id, so enqueueing
 * twice (a retried call, a resumed run worker) adds one job. Mapped step keys hold brackets and any
 * item text, so the key is encoded; ':' is kept out of ids (BullMQ refuses it in custom ids).
 */
export function stepJobId(runId: string, stepKey: string, attempt: number): string {
  return `${runId}.${encodeURIComponent(stepKey).replaceAll('%', '~')}.${attempt}`;
}

/**
 * BullMQ job id of one launch of a run on a run queue: the run and its launch attempt, plus the
 * resume attempt for a resumed run. The same launch gives the same id, so a retried enqueue adds one
 * job; a second launch of the same attempt (a duplicate launch) adds a suffix (queue-run-launcher.ts).
 */
export function runJobId(runId: string, launchAttempt: number, resumeAttempt = 0): string {
  return `${runId}.${launchAttempt}${resumeAttempt > 0 ? `.r${resumeAttempt}` : ''}`;
}

/** Redis keys of this package besides BullMQ's own, all under the instance's prefix. */
export function redisKeys(config: Pick<QueueConfig, 'prefix'>) {
  const base = `${config.prefix}:runyard`;
  return {
    /** Hash of worker id → its registration JSON; entries are refreshed by heartbeats. */
    workers: `${base}:workers`,
    /** Pub/sub channel on which cancels of runs are published (the run id as the message). */
    cancelChannel: `${base}:cancel`,
    /** Hash of step job id → why it is waiting, written by the run worker. */
    waiting: `${base}:waiting`,
    /** Hash of run job id (`runs.<queue>/<job id>`) → the pool worker holding it (run-job.ts's RunHolder). */
    runHolders: `${base}:run-holders`,
    /** Pub/sub channel on which terminates of run jobs are published (run-job.ts's RunCancelMessage). */
    runCancelChannel: `${base}:run-cancel`,
  };
}
