/** Durations as people read them: 850 ms, 12.3 s, 4 m 05 s, 2 h 10 m. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const totalS = Math.floor(ms / 1000);
  if (totalS < 3600) return `${Math.floor(totalS / 60)} m ${String(totalS % 60).padStart(2, '0')} s`;
  const h = Math.floor(totalS / 3600);
  if (h < 48) return `${h} h ${String(Math.floor((totalS % 3600) / 60)).padStart(2, '0')} m`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** "3 s ago", "in 5 m": for heartbeats and next ticks. */
export function formatRelative(ts: number, now: number): string {
  const d = ts - now;
  const abs = Math.abs(d);
  let text: string;
  if (abs < 1000) return 'just now';
  if (abs < 60_000) text = `${Math.round(abs / 1000)} s`;
  else if (abs < 3_600_000) text = `${Math.round(abs / 60_000)} min`;
  else if (abs < 172_800_000) text = `${Math.round(abs / 3_600_000)} h`;
  else text = `${Math.round(abs / 86_400_000)} d`;
  return d < 0 ? `${text} ago` : `in ${text}`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Local date and time, second precision: 2025-03-01 14:05:09. */
export function formatDateTime(ts: number | null | undefined): string {
  if (ts == null) return '–';
  const d = new Date(ts);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Time of day with milliseconds, for log lines. */
export function formatClock(ts: number): string {
  const d = new Date(ts);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function shortId(runId: string): string {
  return runId.slice(0, 8);
}
