import { useEffect, useRef } from 'react';

export type SseHandlers = Record<string, (e: MessageEvent<string>) => void>;

/**
 * Subscribes to a Server-Sent Events URL for as long as the component is mounted (and `url` is
 * set). EventSource reconnects on its own and sends Last-Event-ID, which the server uses to resume
 * without gaps. Handlers may change on every render; the connection does not.
 * An `end` event (sent by run-event streams when the run is over) closes the connection for good.
 */
export function useEventSource(
  url: string | null,
  handlers: SseHandlers,
  onState?: (state: 'open' | 'error' | 'closed') => void,
): void {
  const handlersRef = useRef(handlers);
  handlersRef.current = handlers;
  const stateRef = useRef(onState);
  stateRef.current = onState;
  const names = Object.keys(handlers).sort().join(',');

  useEffect(() => {
    if (!url) return;
    const es = new EventSource(url, { withCredentials: true });
    const listeners = names
      .split(',')
      .filter(Boolean)
      .map((name) => {
        const fn = (e: Event) => {
          if (name === 'end') {
            // The server has sent everything and closes; without this EventSource would reconnect.
            es.close();
            stateRef.current?.('closed');
          }
          handlersRef.current[name]?.(e as MessageEvent<string>);
        };
        es.addEventListener(name, fn);
        return [name, fn] as const;
      });
    es.onopen = () => stateRef.current?.('open');
    es.onerror = () => stateRef.current?.(es.readyState === EventSource.CLOSED ? 'closed' : 'error');
    return () => {
      for (const [name, fn] of listeners) es.removeEventListener(name, fn);
      es.close();
    };
  }, [url, names]);
}
