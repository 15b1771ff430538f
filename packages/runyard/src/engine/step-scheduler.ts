import type { JobGraph } from '../definitions/job-graph.js';

type StepState = 'pending' | 'running' | 'success' | 'failed' | 'skipped';

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

  constructor(graph: JobGraph, completed: ReadonlySet<string> = new Set()) {
    this.#graph = graph;
    for (const key of graph.order) {
      if (completed.has(key)) {
        this.#state.set(key, 'success');
        continue;
      }
      this.#state.set(key, 'pending');
      const waiting = (graph.steps.get(key)?.upstream ?? []).filter((u) => !completed.has(u)).length;
      this.#waitingOn.set(key, waiting);
      if (waiting === 0) this.#ready.push(key);
    }
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
