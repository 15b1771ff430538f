import type { JobGraph } from '../definitions/job-graph.js';
import { stepNodeName } from '../selection/step-node.js';

// `outside`: not selected for this run (see selection/); never run, never reported as skipped.
type StepState = 'pending' | 'running' | 'success' | 'failed' | 'skipped' | 'outside';

/**
 * The bookkeeping every executor shares: which steps are ready, which are done, and which must
 * be skipped because something upstream failed. It does no I/O, so executors stay small.
 */
export class StepScheduler {
  readonly #graph: JobGraph;
  readonly #state = new Map<string, StepState>();
  readonly #waitingOn = new Map<string, number>();
  readonly #ready: string[] = [];
  readonly failed: string[] = [];
  readonly skipped: string[] = [];

  /** `selected`: static node names this run is limited to; steps of other nodes are outside its plan. */
  constructor(graph: JobGraph, completed: ReadonlySet<string> = new Set(), selected?: ReadonlySet<string>) {
    this.#graph = graph;
    const outside = (key: string) => selected !== undefined && !selected.has(stepNodeName(key));
    // A node outside the selection is provided when an earlier run holds its outputs (a mapped
    // node's under its mapped keys, `load[a.csv]` …).
    const provided = new Set([...completed].map(stepNodeName));
    const satisfied = (up: string) => completed.has(up) || (outside(up) && provided.has(up));
    for (const key of graph.order) {
      if (completed.has(key)) {
        this.#state.set(key, 'success');
        continue;
      }
      if (outside(key)) {
        this.#state.set(key, 'outside');
        continue;
      }
      this.#state.set(key, 'pending');
      const missing = (graph.steps.get(key)?.upstream ?? []).find((u) => outside(u) && !satisfied(u));
      // Checked at submit; this catches an output deleted since, before any step runs.
      if (missing !== undefined)
        throw new Error(
          `step '${key}' reads the output of step '${missing}', which is not selected and no earlier run provides`,
        );
      const waiting = (graph.steps.get(key)?.upstream ?? []).filter((u) => !satisfied(u)).length;
      this.#waitingOn.set(key, waiting);
      if (waiting === 0) this.#ready.push(key);
    }
  }

  /** False for a step outside the run's selection. */
  inPlan(key: string): boolean {
    return this.#state.get(key) !== 'outside';
  }

  /** The next ready step, in plan order, marked running. */
  take(): string | undefined {
    const key = this.#ready.shift();
    if (key !== undefined) this.#state.set(key, 'running');
    return key;
  }

  get hasReady(): boolean {
    return this.#ready.length > 0;
  }

  succeeded(key: string): void {
    this.#state.set(key, 'success');
    for (const down of this.#graph.steps.get(key)?.downstream ?? []) {
      const left = (this.#waitingOn.get(down) ?? 1) - 1;
      this.#waitingOn.set(down, left);
      if (left === 0 && this.#state.get(down) === 'pending') this.#ready.push(down);
    }
  }

  /** Marks the step failed; returns every downstream step that can no longer run, with its failed upstream. */
  failedStep(key: string): Array<{ step: string; because: string }> {
    this.#state.set(key, 'failed');
    this.failed.push(key);
    const newlySkipped: Array<{ step: string; because: string }> = [];
    const visit = (from: string) => {
      for (const down of this.#graph.steps.get(from)?.downstream ?? []) {
        if (this.#state.get(down) !== 'pending') continue;
        this.#state.set(down, 'skipped');
        this.skipped.push(down);
        newlySkipped.push({ step: down, because: from });
        visit(down);
      }
    };
    visit(key);
    return newlySkipped;
  }
}
