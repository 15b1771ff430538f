import { useRef } from 'react';
import { streams } from '../api/client';
import type { Run } from '../api/types';
import { useEventSource } from './use-event-source';

/** Calls `onRun` with each run-level change of any run, as the server pushes it. */
export function useRunsStream(onRun: (run: Run) => void, enabled = true): void {
  const cb = useRef(onRun);
  cb.current = onRun;
  useEventSource(enabled ? streams.runs() : null, {
    run: (e) => {
      try {
        cb.current(JSON.parse(e.data) as Run);
      } catch {
        // A malformed frame is the server's bug; the next refresh corrects the screen anyway.
      }
    },
  });
}
