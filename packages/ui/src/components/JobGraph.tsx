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

/**
 * A job's graph. A step inside map() runs once per item at run time: it is drawn as a stack,
 * `load[…]`, saying which list it is mapped over; the run page's timeline lists its items.
 */
export function JobGraph({ steps, selected, onSelect, tones, willRun }: Props) {
  const layout = useMemo(() => layoutJobGraph(steps), [steps]);
  const mappedOver = useMemo(
    () => Object.fromEntries(steps.flatMap((s) => (s.mappedOver ? [[s.key, s.mappedOver]] : []))),
    [steps],
  );
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
            className={`graph-node${mappedOver[n.key] ? ' mapped' : ''}${selected === n.key ? ' selected' : ''}${tones?.[n.key] ? ` tone-${tones[n.key]}` : ''}${willRun ? (willRun.has(n.key) ? ' will-run' : ' wont-run') : ''}`}
            data-will-run={willRun ? String(willRun.has(n.key)) : undefined}
            onClick={() => onSelect(selected === n.key ? null : n.key)}
            onKeyDown={(ev) => {
              if (ev.key === 'Enter' || ev.key === ' ') onSelect(n.key);
            }}
            tabIndex={0}
            role="button"
            data-testid={`graph-node-${n.key}`}
          >
            {mappedOver[n.key] ? (
              <rect x={5} y={-5} width={n.width} height={n.height} rx={8} className="graph-node-stack" />
            ) : null}
            <rect width={n.width} height={n.height} rx={8} />
            <text x={14} y={22} className="graph-node-key">
              {mappedOver[n.key] ? `${n.key}[…]` : n.key}
            </text>
            <text x={14} y={40} className="graph-node-op" data-testid={`graph-node-op-${n.key}`}>
              {n.op === n.key ? 'op' : `op: ${n.op}`}
              {mappedOver[n.key] ? ` · per item of ${mappedOver[n.key]}` : ''}
            </text>
          </g>
        ))}
      </svg>
    </div>
  );
}
