import type { RunEvent } from '../events/run-event.js';
import type { EventLogStorage } from '../storage/event-log-storage.js';
import { withStorageRetry } from '../storage/storage-retry.js';
import type { RunEventHub } from './run-event-hub.js';

const BACKFILL_PAGE = 1000;

/**
 * Every event of one run after `afterId`, in order, then each new one as the hub sees it: the
 * backlog comes from storage, the rest from the shared watcher. The hub subscription starts first
 * and buffers, so an event written while the backlog is read is neither missed nor sent twice
 * (everything is delivered by increasing id, and nothing at or below the last id sent again).
 * Returns the unsubscribe function.
 */
export async function followRunEvents(
  hub: RunEventHub,
  events: EventLogStorage,
  runId: string,
  afterId: number,
  deliver: (events: readonly RunEvent[]) => void,
): Promise<() => void> {
  let last = afterId;
  let buffer: RunEvent[] | undefined = [];
  const forward = (list: readonly RunEvent[]) => {
    const fresh = list.filter((event) => event.id > last);
    if (fresh.length === 0) return;
    last = fresh[fresh.length - 1]!.id;
    deliver(fresh);
  };
  const unsubscribe = await hub.subscribeRun(runId, (list) => {
    if (buffer) buffer.push(...list);
    else forward(list);
  });
  try {
    for (;;) {
      // A storage restart while the backlog is read is waited out; the page after `last` is read again.
      const page = await withStorageRetry(() => events.getEvents(runId, { afterId: last, limit: BACKFILL_PAGE }));
      forward(page);
      if (page.length < BACKFILL_PAGE) break;
    }
  } catch (error) {
    unsubscribe();
    throw error;
  }
  const buffered = buffer;
  buffer = undefined;
  forward(buffered);
  return unsubscribe;
}
