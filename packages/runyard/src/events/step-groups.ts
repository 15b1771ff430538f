import { stepNodeOf } from '../definitions/step-key.js';
import type { StepStats, StepStatus } from './step-stats.js';

/** The steps of one graph node: a static step alone, or every mapped step of a node inside a map(). */
export interface StepGroup {
  /** The graph node (op invocation): `load` for `load[a.csv]`. */
  readonly node: string;
  /** True when the node runs once per item (its steps are keyed `node[…]`). */
  readonly mapped: boolean;
  readonly steps: readonly StepStats[];
  /** How many of its steps are in each status. */
  readonly counts: Readonly<Partial<Record<StepStatus, number>>>;
  /** The status the group shows: the worst of its steps (a failure, then running, …). */
  readonly status: StepStatus;
}

// The order a group's status is picked in: what needs attention first.
const PRECEDENCE: readonly StepStatus[] = [
  'FAILURE',
  'ABANDONED',
  'RUNNING',
  'UP_FOR_RETRY',
  'CANCELED',
  'SKIPPED',
  'NOT_STARTED',
  'SUCCESS',
];

/** Groups step stats by graph node, in the order each node first appears. */
export function groupSteps(steps: readonly StepStats[]): StepGroup[] {
  const groups = new Map<string, { mapped: boolean; steps: StepStats[] }>();
  for (const step of steps) {
    const node = stepNodeOf(step.stepKey);
    let group = groups.get(node);
    if (!group) {
      group = { mapped: false, steps: [] };
      groups.set(node, group);
    }
    group.mapped ||= node !== step.stepKey;
    group.steps.push(step);
  }
  return [...groups].map(([node, { mapped, steps }]) => {
    const counts: Partial<Record<StepStatus, number>> = {};
    for (const s of steps) counts[s.status] = (counts[s.status] ?? 0) + 1;
    const status = PRECEDENCE.find((s) => counts[s]) ?? 'NOT_STARTED';
    return { node, mapped, steps, counts, status };
  });
}
