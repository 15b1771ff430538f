import type { RunEvent } from '../../events/run-event.js';
import type { RunRecord } from '../../runs/run-record.js';
import type { RunStatus } from '../../runs/run-status.js';
import type { Storage } from '../../storage/storage.js';
import type { MonitoringRule } from './monitoring-action.js';

const STATUS_EVENT: Partial<Record<RunStatus, 'RUN_STARTING' | 'RUN_CANCELING'>> = {
  STARTING: 'RUN_STARTING',
  CANCELING: 'RUN_CANCELING',
};

/**
 * The times the checks need that the run row does not hold (when it became STARTING or CANCELING,
 * when monitoring last resumed it), read from the event log. A run keeps a status for many polls,
 * so each answer is cached until the run leaves that status; `forget` drops finished runs.
 */
export class RunTimeline {
  readonly #storage: Storage;
  readonly #since = new Map<string, { readonly status: RunStatus; readonly at: number }>();

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  /** When the run entered its current status (STARTING or CANCELING); its last update if no event says. */
  async statusSince(run: RunRecord): Promise<number> {
    const cached = this.#since.get(run.runId);
    if (cached?.status === run.status) return cached.at;
    const type = STATUS_EVENT[run.status];
    const events = type ? await this.#storage.events.getEvents(run.runId, { types: [type] }) : [];
    const at = events.at(-1)?.timestamp ?? run.updatedAt;
    this.#since.set(run.runId, { status: run.status, at });
    return at;
  }

  /** When monitoring last resumed the run; undefined when it never did. */
  async resumedAt(run: RunRecord): Promise<number | undefined> {
    return (await this.lastMonitoringEvent(run.runId, 'resume'))?.timestamp;
  }

  /** The latest engine event that run monitoring wrote for `rule`. */
  async lastMonitoringEvent(runId: string, rule: MonitoringRule): Promise<RunEvent | undefined> {
    const events = await this.#storage.events.getEvents(runId, { types: ['ENGINE_EVENT'] });
    return events.findLast((e) => e.data?.monitoring === rule);
  }

  /** Drops what is cached for runs no longer in progress. */
  forget(keep: ReadonlySet<string>): void {
    for (const runId of this.#since.keys()) if (!keep.has(runId)) this.#since.delete(runId);
  }
}
