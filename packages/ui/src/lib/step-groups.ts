/**
 * Mapped steps (`load[a.csv]`, made by map() at run time) grouped under their op for the run page.
 * The op (graph node) of any step key is the part before its first `[`.
 */
import type { StepStatus, StepSummary } from '../api/types';

export interface StepGroup {
  /** The op invocation: `load` for `load[a.csv]`. */
  node: string;
  /** The key of the group's own row in the timeline (`load[…]`): never a step key. */
  key: string;
  steps: StepSummary[];
  counts: Partial<Record<StepStatus, number>>;
  /** The group's summary as a step: the worst status, from the first start to the last end. */
  summary: StepSummary;
}

export function stepNodeOf(stepKey: string): string {
  const at = stepKey.indexOf('[');
  return at === -1 ? stepKey : stepKey.slice(0, at);
}

/** `load[a.csv][0]` → `[a.csv][0]`: the item keys, as shown under the op. */
export function itemLabelOf(stepKey: string): string {
  const at = stepKey.indexOf('[');
  return at === -1 ? stepKey : stepKey.slice(at);
}

// What needs attention first decides the group's colour.
const PRECEDENCE: StepStatus[] = [
  'FAILURE',
  'ABANDONED',
  'RUNNING',
  'UP_FOR_RETRY',
  'CANCELED',
  'SKIPPED',
  'NOT_STARTED',
  'SUCCESS',
];

/** The mapped steps of each op, by op; static steps are not in it. */
export function groupMappedSteps(steps: readonly StepSummary[]): Map<string, StepGroup> {
  const groups = new Map<string, StepGroup>();
  for (const step of steps) {
    const node = stepNodeOf(step.stepKey);
    if (node === step.stepKey) continue;
    let group = groups.get(node);
    if (!group) {
      group = {
        node,
        key: `${node}[…]`,
        steps: [],
        counts: {},
        summary: { stepKey: `${node}[…]`, status: 'NOT_STARTED', attempts: 0 },
      };
      groups.set(node, group);
    }
    group.steps.push(step);
    group.counts[step.status] = (group.counts[step.status] ?? 0) + 1;
  }
  for (const group of groups.values()) {
    const starts = group.steps.flatMap((s) => (s.startTime == null ? [] : [s.startTime]));
    const open = group.steps.some((s) => s.startTime != null && s.endTime == null);
    const ends = group.steps.flatMap((s) => (s.endTime == null ? [] : [s.endTime]));
    group.summary = {
      stepKey: group.key,
      status: PRECEDENCE.find((s) => group.counts[s]) ?? 'NOT_STARTED',
      attempts: group.steps.reduce((n, s) => n + s.attempts, 0),
      startTime: starts.length ? Math.min(...starts) : null,
      endTime: open || !ends.length ? null : Math.max(...ends),
    };
  }
  return groups;
}

/** `2 success, 1 failure`. */
export function describeCounts(counts: Partial<Record<StepStatus, number>>): string {
  return Object.entries(counts)
    .map(([status, n]) => `${n} ${status.toLowerCase().replaceAll('_', ' ')}`)
    .join(', ');
}
