import type { JobGraph } from '../definitions/job-graph.js';
import type { IOManager } from '../engine/io-manager.js';
import type { RunRecord } from '../runs/run-record.js';
import type { Storage } from '../storage/storage.js';
import { runOutputs } from '../worker/completed-steps.js';
import type { SelectionIssue } from './selection-error.js';
import { stepNodeName } from './step-node.js';

/**
 * Steps outside the selection whose outputs selected steps read, each with the selected steps
 * that read it, in plan order. Empty when the selection needs no earlier run.
 */
export function inputsFromOutside(graph: JobGraph, selected: ReadonlySet<string>): Map<string, string[]> {
  const needed = new Map<string, string[]>();
  for (const step of graph.order) {
    if (!selected.has(step)) continue;
    for (const up of graph.steps.get(step)?.upstream ?? []) {
      if (selected.has(up)) continue;
      needed.set(up, [...(needed.get(up) ?? []), step]);
    }
  }
  return new Map(graph.order.filter((s) => needed.has(s)).map((s) => [s, needed.get(s) as string[]]));
}

export interface SelectionInputsCheck {
  readonly jobName: string;
  readonly graph: JobGraph;
  readonly selected: ReadonlySet<string>;
  /** The run whose outputs the steps outside the selection come from. */
  readonly parent?: RunRecord;
  readonly storage: Storage;
  /** The instance's IO manager; absent for an in-memory instance, which keeps no outputs. */
  readonly io?: IOManager;
}

/**
 * Checks, before a run of selected steps is created, that every output it will read from outside
 * the selection exists in the parent run (or the run that one read it from): a missing one is a
 * problem now, naming the step, not a failure in the middle of the run. Returns every problem.
 */
export async function checkSelectionInputs(check: SelectionInputsCheck): Promise<SelectionIssue[]> {
  const needed = inputsFromOutside(check.graph, check.selected);
  if (needed.size === 0) return [];
  const readers = (step: string) => (needed.get(step) ?? []).map((s) => `'${s}'`).join(', ');
  const { parent } = check;
  if (!parent)
    return [...needed.keys()].map((step) => ({
      term: step,
      message: `selected step${(needed.get(step) ?? []).length > 1 ? 's' : ''} ${readers(step)} read${(needed.get(step) ?? []).length > 1 ? '' : 's'} the output of '${step}', which the selection does not run; name a run to read it from (--from-run <runId>), or add '${step}' to the selection`,
    }));
  if (parent.jobName !== check.jobName)
    return [
      {
        term: parent.runId,
        message: `run ${parent.runId} is a run of job '${parent.jobName}', not '${check.jobName}'`,
      },
    ];
  if (!check.io)
    return [
      {
        term: parent.runId,
        message: 'this instance keeps no step outputs (it is in memory), so none can be read from an earlier run',
      },
    ];
  const outputs = await runOutputs(check.storage, parent, check.io);
  // Steps of the parent that started (a mapped node has several): each must have left an output.
  const started = await check.storage.events.getEvents(parent.runId, { types: ['STEP_START', 'STEP_SUCCESS'] });
  const issues: SelectionIssue[] = [];
  for (const step of needed.keys()) {
    const held = [...outputs.keys()].filter((key) => stepNodeName(key) === step);
    const lacking = [...new Set(started.map((e) => e.stepKey ?? ''))].filter(
      (key) => stepNodeName(key) === step && key !== step && !outputs.has(key),
    );
    if (held.length === 0 || lacking.length > 0) {
      const which = lacking.length
        ? `mapped step${lacking.length > 1 ? 's' : ''} ${lacking.map((k) => `'${k}'`).join(', ')} of '${step}'`
        : `step '${step}'`;
      issues.push({
        term: step,
        message: `run ${parent.runId} has no output of ${which} (it did not succeed there, or its output is gone), and selected ${readers(step)} read${(needed.get(step) ?? []).length > 1 ? '' : 's'} it; add '${step}' to the selection or read from another run`,
      });
    }
  }
  return issues;
}
