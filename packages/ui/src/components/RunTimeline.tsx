import { useState } from 'react';
import type { StepSummary } from '../api/types';
import { formatDuration } from '../lib/format';
import { statusTone } from '../lib/run-status';
import { describeCounts, groupMappedSteps, itemLabelOf, stepNodeOf } from '../lib/step-groups';
import { layoutTimeline, type TimelineBar, type TimelineTick } from '../lib/timeline';

interface Props {
  steps: StepSummary[];
  now: number;
  runStart?: number | null;
  runEnd?: number | null;
  selected?: string | null;
  onSelect?: (stepKey: string | null) => void;
}

/**
 * Gantt-style bars, one row per step, over the run's lifetime. The mapped steps of an op
 * (`load[a.csv]` …, made by map()) share one row, `load[…]`, that opens to show each item.
 */
export function RunTimeline({ steps, now, runStart, runEnd, selected, onSelect }: Props) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  if (steps.length === 0) {
    return (
      <div className="empty" data-testid="timeline-empty">
        No steps have started yet.
      </div>
    );
  }
  const groups = groupMappedSteps(steps);
  const summaries = [...groups.values()].map((g) => g.summary);
  const layout = layoutTimeline([...steps, ...summaries], { now, runStart: runStart ?? null, runEnd: runEnd ?? null });
  const barOf = new Map(layout.bars.map((b) => [b.stepKey, b]));
  const toggle = (node: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(node)) next.delete(node);
      else next.add(node);
      return next;
    });
  const row = (bar: TimelineBar, label: string, nested: boolean) => (
    <button
      type="button"
      key={bar.stepKey}
      className={`timeline-row${nested ? ' timeline-item' : ''}${selected === bar.stepKey ? ' selected' : ''}`}
      data-testid={`timeline-step-${bar.stepKey}`}
      data-status={bar.status}
      onClick={() => onSelect?.(selected === bar.stepKey ? null : bar.stepKey)}
      title={`${bar.stepKey}: ${bar.status}${bar.attempts > 1 ? ` after ${bar.attempts} attempts` : ''}${bar.endReason ? ` (${bar.endReason})` : ''}`}
    >
      <span className="timeline-label mono">{label}</span>
      <Track bar={bar} ticks={layout.ticks} />
      <span className="timeline-duration mono">
        {bar.durationMs !== undefined ? formatDuration(bar.durationMs) : ''}
        {bar.attempts > 1 ? ` ×${bar.attempts}` : ''}
      </span>
    </button>
  );
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
      {layout.bars.map((bar) => {
        const group = groups.get(stepNodeOf(bar.stepKey));
        if (!group) return row(bar, bar.stepKey, false);
        // A mapped step shows under its group's row, in the order they started.
        if (bar.stepKey !== group.key) return null;
        const expanded = open.has(group.node);
        return (
          <div key={group.key} className="timeline-group" data-testid={`timeline-group-${group.node}`}>
            <button
              type="button"
              className="timeline-row timeline-group-row"
              data-testid={`timeline-group-toggle-${group.node}`}
              data-status={bar.status}
              aria-expanded={expanded}
              onClick={() => toggle(group.node)}
              title={`${group.node}: ${group.steps.length} mapped steps (${describeCounts(group.counts)})`}
            >
              <span className="timeline-label mono">
                {expanded ? '▾' : '▸'} {group.node}[…] <span className="muted">×{group.steps.length}</span>
              </span>
              <Track bar={bar} ticks={layout.ticks} />
              <span className="timeline-duration mono" data-testid={`timeline-group-counts-${group.node}`}>
                {describeCounts(group.counts)}
              </span>
            </button>
            {expanded
              ? layout.bars
                  .filter((b) => b.stepKey !== group.key && stepNodeOf(b.stepKey) === group.node)
                  .map((b) => row(barOf.get(b.stepKey) as TimelineBar, itemLabelOf(b.stepKey), true))
              : null}
          </div>
        );
      })}
    </div>
  );
}

function Track({ bar, ticks }: { bar: TimelineBar; ticks: TimelineTick[] }) {
  return (
    <span className="timeline-track">
      {ticks.map((t) => (
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
  );
}
