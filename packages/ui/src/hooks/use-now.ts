import { useEffect, useState } from 'react';

/** The current time, refreshed every `ms` while `live` (so running bars and ages move). */
export function useNow(ms: number, live = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!live) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms, live]);
  return now;
}
