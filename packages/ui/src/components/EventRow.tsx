import { useState } from 'react';
import type { RunEvent } from '../api/types';
import { formatClock } from '../lib/format';
import { ErrorInfoView } from './ErrorInfoView';

/**
 * One event of the log. An event with data (what `ctx.log` was given, an output's preview) opens
 * on click to show it as indented JSON; the row says that it has some.
 */
export function EventRow({ event }: { event: RunEvent }) {
  const [open, setOpen] = useState(false);
  const data = event.data && Object.keys(event.data).length > 0 ? event.data : undefined;
  const toggle = () => setOpen((o) => !o);
  return (
    <>
      <tr
        className={`log-row level-${event.level}${data ? ' has-data' : ''}${open ? ' open' : ''}`}
        data-testid="event-row"
        data-type={event.type}
        data-has-data={data ? 'true' : undefined}
        onClick={data ? toggle : undefined}
      >
        <td className="log-time">{formatClock(event.timestamp)}</td>
        <td className={`log-level level-${event.level}`}>{event.level}</td>
        <td className="log-type">{event.type}</td>
        <td className="log-step">{event.stepKey ?? ''}</td>
        <td className="log-message">
          <span className="pre">{event.message}</span>
          {data && (
            <button
              type="button"
              className="data-toggle"
              aria-expanded={open}
              onClick={(e) => {
                e.stopPropagation();
                toggle();
              }}
              data-testid="event-data-toggle"
            >
              {open ? 'hide data' : 'data'}
            </button>
          )}
          {event.error && <ErrorInfoView error={event.error} />}
        </td>
      </tr>
      {data && open && (
        <tr className="log-data-row" data-testid="event-data">
          <td colSpan={5}>
            <pre className="log-data">{JSON.stringify(data, null, 2)}</pre>
          </td>
        </tr>
      )}
    </>
  );
}
