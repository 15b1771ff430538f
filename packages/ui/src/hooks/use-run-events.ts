import { useEffect, useRef, useState } from 'react';
import { streams } from '../api/client';
import type { RunEvent } from '../api/types';
import { mergeEvents } from '../lib/log-filter';
import { useEventSource } from './use-event-source';

export interface RunEventsState {
  events: RunEvent[];
  /** The server said `end`: the run is over and every event has been sent. */
  ended: boolean;
  connection: 'connecting' | 'open' | 'error' | 'closed';
}

/**
 * The run's whole event log, then live events as they are written. A run replays thousands of
 * events on connect, so frames are buffered and applied at most every 100 ms rather than one
 * React render per event. `onEvents` sees each applied batch (the run page refreshes the run's
 * status and steps from it).
 */
export function useRunEvents(runId: string, onEvents?: (batch: RunEvent[]) => void): RunEventsState {
  const [events, setEvents] = useState<RunEvent[]>([]);
  const [ended, setEnded] = useState(false);
  const [connection, setConnection] = useState<RunEventsState['connection']>('connecting');
  const buffer = useRef<RunEvent[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const onEventsRef = useRef(onEvents);
  onEventsRef.current = onEvents;

  const flush = () => {
    timer.current = undefined;
    const batch = buffer.current;
    buffer.current = [];
    if (batch.length === 0) return;
    setEvents((prev) => mergeEvents(prev, batch));
    onEventsRef.current?.(batch);
  };

  useEffect(() => () => clearTimeout(timer.current), []);

  useEventSource(
    streams.runEvents(runId),
    {
      'run-event': (e) => {
        try {
          buffer.current.push(JSON.parse(e.data) as RunEvent);
        } catch {
          return;
        }
        timer.current ??= setTimeout(flush, 100);
      },
      end: () => {
        clearTimeout(timer.current);
        flush();
        setEnded(true);
      },
    },
    setConnection,
  );

  return { events, ended, connection };
}
