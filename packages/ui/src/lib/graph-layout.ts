/**
 * Lays a job's steps out top-to-bottom with dagre (the layered layout Dagster's UI also uses), for
 * drawing in SVG. Pure apart from dagre itself, which needs no DOM.
 */
import dagre from '@dagrejs/dagre';
import type { JobStep } from '../api/types';

export interface GraphNode {
  key: string;
  op: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  points: { x: number; y: number }[];
}

export interface GraphLayout {
  nodes: GraphNode[];
  edges: GraphEdge[];
  width: number;
  height: number;
}

const NODE_HEIGHT = 52;
const CHAR_WIDTH = 7.4;

export function layoutJobGraph(steps: readonly JobStep[]): GraphLayout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 36, ranksep: 48, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const keys = new Set(steps.map((s) => s.key));
  for (const s of steps) {
    // A mapped step's box also says what it is mapped over (`op: load · per item of list_files`).
    const chars = s.mappedOver
      ? Math.max(s.key.length + 3, s.op.length + 4 + s.mappedOver.length + 15)
      : Math.max(s.key.length, s.op.length);
    const width = Math.max(140, Math.min(s.mappedOver ? 360 : 320, chars * CHAR_WIDTH + 36));
    g.setNode(s.key, { width, height: NODE_HEIGHT });
  }
  for (const s of steps) {
    // An upstream that is not a step of this job would make dagre invent a node; skip it.
    for (const up of new Set(s.upstream)) if (keys.has(up)) g.setEdge(up, s.key);
  }
  dagre.layout(g);
  const nodes = steps.map((s): GraphNode => {
    const n = g.node(s.key);
    return { key: s.key, op: s.op, x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height };
  });
  const edges = g.edges().map((e): GraphEdge => ({ from: e.v, to: e.w, points: g.edge(e).points ?? [] }));
  const graph = g.graph();
  return { nodes, edges, width: graph.width ?? 0, height: graph.height ?? 0 };
}
