import type { StepSummary } from '../api/types';
import { formatDuration } from '../lib/format';
import { statusTone } from '../lib/run-status';
import { layoutTimeline } from '../lib/timeline';

interface Props {
  steps: StepSummary[];
  now: number;
  runStart?: number | null;
  runEnd?: number | null;
  selected?: string | null;
  onSelect?: (stepKey: string | null) => void;
}

/** Gantt-style bars, one row per step, over the run's lifetime. */
export function RunTimeline({ steps, now, runStart, runEnd, selected, onSelect }: Props) {
  if (steps.length === 0) {
    return (
      <div className="empty" data-testid="timeline-empty">
        No steps have started yet.
      </div>
    );
  }
  const layout = layoutTimeline(steps, { now, runStart: runStart ?? null, runEnd: runEnd ?? null });
  return (
    <div className="timeline" data-testid="timeline">
      <div className="timeline-row timeline-axis">
        <div className="timeline-label" />
        <div className="timeline-track">
          {layout.ticks.map((t) => (
            <span key={t.pct} className="timeline-tick" style={{ left: `${t.pct}%` }}>
              {t.label}
            </span>
          ))}
        </div>
        <div className="timeline-duration" />
      </div>
      {layout.bars.map((bar) => (
        <button
          type="button"
          key={bar.stepKey}
          className={`timeline-row${selected === bar.stepKey ? ' selected' : ''}`}
          data-testid={`timeline-step-${bar.stepKey}`}
          data-status={bar.status}
          onClick={() => onSelect?.(selected === bar.stepKey ? null : bar.stepKey)}
          title={`${bar.stepKey}: ${bar.status}${bar.attempts > 1 ? ` after ${bar.attempts} attempts` : ''}${bar.endReason ? ` (${bar.endReason})` : ''}`}
        >
          <span className="timeline-label mono">{bar.stepKey}</span>
          <span className="timeline-track">
            {layout.ticks.map((t) => (
              <span key={t.pct} className="timeline-grid" style={{ left: `${t.pct}%` }} />
            ))}
            {bar.leftPct !== undefined ? (
              <span
                className={`timeline-bar tone-${statusTone(bar.status)}${bar.running ? ' running' : ''}`}
                style={{ left: `${bar.leftPct}%`, width: `${bar.widthPct}%` }}
              />
            ) : (
              <span className="timeline-unplaced muted">{bar.status.toLowerCase().replaceAll('_', ' ')}</span>
            )}
          </span>
          <span className="timeline-duration mono">
            {bar.durationMs !== undefined ? formatDuration(bar.durationMs) : ''}
            {bar.attempts > 1 ? ` ×${bar.attempts}` : ''}
          </span>
        </button>
      ))}
    </div>
  );
}
