import type { RunEvent } from '../events/run-event.js';
import type { TerminateResult } from '../launcher/run-launcher.js';
import type { RunRecord } from '../runs/run-record.js';
import type { Storage } from '../storage/storage.js';

/**
 * What a terminate really did, when something else ended the run while it waited. The launcher
 * only sees that the worker is gone after its SIGTERM ("sent SIGTERM …; it exited"), but the
 * daemon's run monitoring may have lost patience first (a run CANCELING for longer than its cancel
 * timeout): it records RUN_CANCELED and kills the worker with no grace. Saying "it exited" then
 * would be untrue; the run's own events say who ended it and how.
 */
export interface TerminateOutcome {
  readonly escalated: boolean;
  readonly detail: string;
}

/** How long to wait for monitoring's "stopped the worker" event, written just after its kill. */
const MONITORING_EVENT_WAIT_MS = 2_000;
const POLL_MS = 50;

export async function terminateOutcome(
  storage: Storage,
  run: RunRecord,
  stop: TerminateResult,
  recordedByUs: boolean,
): Promise<TerminateOutcome> {
  const own = { escalated: stop.escalated, detail: stop.detail };
  if (recordedByUs || stop.escalated) return own;
  const ended = (await storage.events.getEvents(run.runId, { types: [endingType(run)] })).at(-1);
  if (!ended || monitoringRule(ended) === undefined) return own;
  const kill = await monitoringStop(storage, run.runId, ended.id);
  return {
    escalated: true,
    detail: `sent SIGTERM to its worker, which had not stopped when run monitoring recorded ${run.status} and killed it${kill ? ` (${kill})` : ''}: ${run.statusReason ?? ended.message}`,
  };
}

function endingType(run: RunRecord): RunEvent['type'] {
  if (run.status === 'CANCELED') return 'RUN_CANCELED';
  if (run.status === 'SUCCESS') return 'RUN_SUCCESS';
  return 'RUN_FAILURE';
}

function monitoringRule(event: RunEvent | undefined): string | undefined {
  const rule = (event?.data as { monitoring?: unknown } | undefined)?.monitoring;
  return typeof rule === 'string' ? rule : undefined;
}

/** What monitoring's own kill did ("killed process group 123 with SIGKILL"), once it says. */
async function monitoringStop(storage: Storage, runId: string, afterId: number): Promise<string | undefined> {
  const deadline = Date.now() + MONITORING_EVENT_WAIT_MS;
  for (;;) {
    const events = await storage.events.getEvents(runId, { afterId, types: ['ENGINE_EVENT'] });
    const stopped = events.find((e) => monitoringRule(e) !== undefined && e.message.startsWith(STOPPED_PREFIX));
    if (stopped) return stopped.message.slice(STOPPED_PREFIX.length);
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

// Written by the monitoring daemon's stopWorker (daemon/monitoring/monitoring-actions.ts).
const STOPPED_PREFIX = 'run monitoring stopped the worker: ';
