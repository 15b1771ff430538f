import { useEffect, useMemo, useRef, useState } from 'react';
import { LOG_LEVELS, type LogLevel, type RunEvent } from '../api/types';
import { countByLevel, filterEvents } from '../lib/log-filter';
import { EventRow } from './EventRow';

// Rendering tens of thousands of rows would stall the page; the newest are what people watch.
const MAX_ROWS = 2000;

interface Props {
  events: RunEvent[];
  live: boolean;
  stepFilter?: string | null;
  onClearStep?: () => void;
}

export function EventLog({ events, live, stepFilter, onClearStep }: Props) {
  const [levels, setLevels] = useState<Set<LogLevel>>(() => new Set(['info', 'warning', 'error']));
  const [text, setText] = useState('');
  const [follow, setFollow] = useState(true);
  const scroller = useRef<HTMLDivElement>(null);

  const query = stepFilter ? `${text} step:${stepFilter}` : text;
  const filtered = useMemo(() => filterEvents(events, { levels, text: query }), [events, levels, query]);
  const counts = useMemo(() => countByLevel(events), [events]);
  const shown = filtered.length > MAX_ROWS ? filtered.slice(-MAX_ROWS) : filtered;

  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when rows are added
  useEffect(() => {
    // Scroll the log's own box, never the window: the header and Terminate must stay in view.
    const box = scroller.current;
    if (follow && live && box) box.scrollTop = box.scrollHeight;
  }, [shown.length, follow, live]);

  const toggle = (level: LogLevel) =>
    setLevels((prev) => {
      const next = new Set(prev);
      if (next.has(level)) next.delete(level);
      else next.add(level);
      return next;
    });

  return (
    <div className="event-log" data-testid="event-log">
      <div className="toolbar">
        <input
          type="search"
          className="input"
          placeholder="Search events (words, step:key, type:STEP_FAILURE)"
          value={text}
          onChange={(e) => setText(e.target.value)}
          data-testid="event-log-search"
        />
        <fieldset className="segmented">
          <legend className="sr-only">Levels</legend>
          {LOG_LEVELS.map((level) => (
            <button
              type="button"
              key={level}
              className={`level-toggle level-${level}${levels.has(level) ? ' on' : ''}`}
              aria-pressed={levels.has(level)}
              onClick={() => toggle(level)}
              data-testid={`event-log-level-${level}`}
            >
              {level} <span className="count">{counts[level]}</span>
            </button>
          ))}
        </fieldset>
        {stepFilter && (
          <button type="button" className="chip" onClick={onClearStep} data-testid="event-log-clear-step">
            step: {stepFilter} ✕
          </button>
        )}
        {live && (
          <label className="check">
            <input
              type="checkbox"
              checked={follow}
              onChange={(e) => setFollow(e.target.checked)}
              data-testid="event-log-follow"
            />
            Follow
          </label>
        )}
        <span className="muted" data-testid="event-log-count">
          {filtered.length} of {events.length} events
        </span>
      </div>
      <div className="log-scroll" ref={scroller} data-testid="event-log-scroll">
        <table className="log-table mono">
          <tbody>
            {filtered.length > shown.length && (
              <tr>
                <td colSpan={5} className="muted">
                  {filtered.length - shown.length} older events hidden; narrow the search to see them.
                </td>
              </tr>
            )}
            {shown.map((e) => (
              <EventRow key={e.id} event={e} />
            ))}
          </tbody>
        </table>
        {shown.length === 0 && (
          <div className="empty" data-testid="event-log-empty">
            {events.length ? 'No events match.' : 'No events yet.'}
          </div>
        )}
      </div>
    </div>
  );
}
