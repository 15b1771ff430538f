import { useEffect, useState } from 'react';
import { ApiError, api } from '../api/client';

// Enough tail to read a crash; the whole file is a curl away (`…/logs/stdout`).
const MAX_CHARS = 1_000_000;

export interface ComputeLogState {
  text: string;
  size: number;
  truncated: boolean;
  error?: Error;
}

/**
 * Follows a run's stdout or stderr: fetches what follows the bytes already read, every `pollMs`
 * while the run is live, and once more after it ends so the final lines are never lost.
 */
export function useComputeLog(runId: string, stream: 'stdout' | 'stderr', live: boolean, pollMs = 1000) {
  const [state, setState] = useState<ComputeLogState>({ text: '', size: 0, truncated: false });

  useEffect(() => {
    const ctrl = new AbortController();
    // A byte offset and a streaming decoder, so a UTF-8 character split across reads stays whole.
    const decoder = new TextDecoder();
    let offset = 0;
    let text = '';
    let truncated = false;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const read = async (): Promise<void> => {
      try {
        const chunk = await api.computeLog(runId, stream, offset, ctrl.signal);
        if (chunk.bytes.byteLength > 0) {
          offset += chunk.bytes.byteLength;
          text += decoder.decode(chunk.bytes, { stream: true });
          if (text.length > MAX_CHARS) {
            text = text.slice(text.length - MAX_CHARS);
            truncated = true;
          }
        }
        setState({ text, size: Math.max(chunk.size, offset), truncated });
      } catch (err) {
        if (ctrl.signal.aborted) return;
        // No output captured yet is not an error worth showing.
        if (!(err instanceof ApiError && err.status === 404)) {
          setState((s) => ({ ...s, error: err instanceof Error ? err : new Error(String(err)) }));
        }
      }
    };

    const loop = async () => {
      await read();
      if (live && !ctrl.signal.aborted) timer = setTimeout(loop, pollMs);
    };
    void loop();
    return () => {
      ctrl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [runId, stream, live, pollMs]);

  return state;
}
