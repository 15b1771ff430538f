import { useMemo } from 'react';
import type { JobStep } from '../api/types';
import { layoutJobGraph } from '../lib/graph-layout';

interface Props {
  steps: JobStep[];
  selected: string | null;
  onSelect: (key: string | null) => void;
  /** Optional status per step, to colour the boxes (e.g. on a run). */
  tones?: Record<string, string>;
  /** The steps a step selection will run: highlighted, the others dimmed. Absent: no highlight. */
  willRun?: ReadonlySet<string>;
}

export function JobGraph({ steps, selected, onSelect, tones, willRun }: Props) {
  const layout = useMemo(() => layoutJobGraph(steps), [steps]);
  return (
    <div className="graph-scroll" data-testid="job-graph">
      <svg
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="img"
        aria-label="Job graph"
      >
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0 L10,5 L0,10 z" className="graph-arrow" />
          </marker>
        </defs>
        {layout.edges.map((e) => (
          <polyline
            key={`${e.from}->${e.to}`}
            className="graph-edge"
            points={e.points.map((p) => `${p.x},${p.y}`).join(' ')}
            markerEnd="url(#arrow)"
            data-testid={`graph-edge-${e.from}-${e.to}`}
          />
        ))}
        {layout.nodes.map((n) => (
          // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>
          <g
            key={n.key}
            transform={`translate(${n.x},${n.y})`}
            className={`graph-node${selected === n.key ? ' selected' : ''}${tones?.[n.key] ? ` tone-${tones[n.key]}` : ''}${willRun ? (willRun.has(n.key) ? ' will-run' : ' wont-run') : ''}`}
            data-will-run={willRun ? String(willRun.has(n.key)) : undefined}
            onClick={() => onSelect(selected === n.key ? null : n.key)}
            onKeyDown={(ev) => {
              if (ev.key === 'Enter' || ev.key === ' ') onSelect(n.key);
            }}
            tabIndex={0}
            role="button"
            data-testid={`graph-node-${n.key}`}
          >
            <rect width={n.width} height={n.height} rx={8} />
            <text x={14} y={22} className="graph-node-key">
              {n.key}
            </text>
            <text x={14} y={40} className="graph-node-op">
              {n.op === n.key ? 'op' : `op: ${n.op}`}
            </text>
          </g>
        ))}
      </svg>
    </div>
  );
}
