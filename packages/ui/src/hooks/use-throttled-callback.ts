import { useCallback, useEffect, useRef } from 'react';

/**
 * Runs `fn` at most once per `ms`, trailing: a burst of a hundred run changes causes one refresh
 * right after the burst, not a hundred.
 */
export function useThrottledCallback(fn: () => void, ms: number): () => void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      fnRef.current();
    }, ms);
  }, [ms]);
}
