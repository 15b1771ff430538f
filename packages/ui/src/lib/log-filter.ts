/**
 * Filtering the run's event log: by level, and by a search box that takes plain words (all must
 * appear somewhere in the event) plus `step:` and `type:` terms for the two columns people narrow
 * by most often.
 */
import type { LogLevel, RunEvent } from '../api/types';

export interface LogQuery {
  levels: ReadonlySet<LogLevel>;
  text: string;
}

interface ParsedQuery {
  words: string[];
  steps: string[];
  types: string[];
}

export function parseLogQuery(text: string): ParsedQuery {
  const parsed: ParsedQuery = { words: [], steps: [], types: [] };
  for (const raw of text.trim().split(/\s+/)) {
    if (!raw) continue;
    const term = raw.toLowerCase();
    if (term.startsWith('step:') && term.length > 5) parsed.steps.push(term.slice(5));
    else if (term.startsWith('type:') && term.length > 5) parsed.types.push(term.slice(5));
    else parsed.words.push(term);
  }
  return parsed;
}

function haystack(e: RunEvent): string {
  const parts = [e.message, e.type, e.stepKey ?? ''];
  for (let err = e.error; err; err = err.cause) parts.push(err.name, err.message);
  return parts.join('\n').toLowerCase();
}

export function filterEvents(events: readonly RunEvent[], query: LogQuery): RunEvent[] {
  const q = parseLogQuery(query.text);
  return events.filter((e) => {
    if (!query.levels.has(e.level)) return false;
    const step = (e.stepKey ?? '').toLowerCase();
    if (q.steps.length && !q.steps.some((s) => step.includes(s))) return false;
    const type = e.type.toLowerCase();
    if (q.types.length && !q.types.some((t) => type.includes(t))) return false;
    if (!q.words.length) return true;
    const text = haystack(e);
    return q.words.every((w) => text.includes(w));
  });
}

/**
 * Adds newly received events to the log, in id order, without duplicates. A reconnecting stream
 * resumes after Last-Event-ID, but a remount or a backfill fetch may overlap what is on screen.
 */
export function mergeEvents(current: readonly RunEvent[], incoming: readonly RunEvent[]): RunEvent[] {
  if (incoming.length === 0) return current as RunEvent[];
  const last = current.length ? current[current.length - 1]!.id : Number.NEGATIVE_INFINITY;
  if (incoming.every((e, i) => e.id > last && (i === 0 || e.id > incoming[i - 1]!.id))) {
    return [...current, ...incoming];
  }
  const byId = new Map<number, RunEvent>();
  for (const e of current) byId.set(e.id, e);
  for (const e of incoming) byId.set(e.id, e);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

export function countByLevel(events: readonly RunEvent[]): Record<LogLevel, number> {
  const counts: Record<LogLevel, number> = { debug: 0, info: 0, warning: 0, error: 0 };
  for (const e of events) counts[e.level] = (counts[e.level] ?? 0) + 1;
  return counts;
}
