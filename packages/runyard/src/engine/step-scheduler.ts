import type { JobGraph, StepNode } from '../definitions/job-graph.js';
import type { MapScope } from '../definitions/map-scope.js';
import { stepKeyOf } from '../definitions/step-key.js';
import { RunyardError } from '../errors.js';
import { stepNodeName } from '../selection/step-node.js';
import { MapItemsError, mapItems } from './map-items.js';

// `outside`: not in this run's step selection (see selection/); never run, never reported as skipped.
type StepState = 'pending' | 'running' | 'success' | 'failed' | 'skipped' | 'outside';

/** One step of the run's plan: a node of the job's graph, once per item of each map() it is in. */
export interface PlannedStep {
  /** `load`, or `load[a.csv]` for a mapped step (see definitions/step-key.ts). */
  readonly key: string;
  /** The graph node it runs. */
  readonly node: StepNode;
  /** The node under this step's key: what the attempt and its events use. */
  readonly step: StepNode;
  /** The item keys of the maps it is in, outermost first; empty for a static step. */
  readonly itemKeys: readonly string[];
}

/** Where one input's value comes from, resolved for one planned step. */
export type StepInput =
  | { readonly kind: 'output'; readonly stepKey: string }
  | { readonly kind: 'outputs'; readonly stepKeys: readonly string[] }
  | { readonly kind: 'value'; readonly value: unknown };

export interface SkippedStep {
  readonly step: string;
  readonly because: string;
}

export interface StepSchedulerOptions {
  /** Steps that succeeded earlier (resume, retry from failure): not run; map sources among them still expand. */
  readonly completed?: ReadonlySet<string>;
  /** The most mapped steps this run may plan. Default: the job's limit, else unlimited. */
  readonly maxMappedSteps?: number;
  /**
   * Static node names the run is limited to (a step selection); absent: every step. A step of
   * another node is outside the plan: it does not run, and a selected step that reads its output
   * needs it in `completed` (an earlier run's, `load[a.csv]` … for a mapped node).
   */
  readonly selected?: ReadonlySet<string>;
}

interface Entry extends PlannedStep {
  state: StepState;
  waiting: number;
}

interface Dependent {
  readonly key: string;
  /** Waits through a `.collect()`: an op with partialResults runs without this one. */
  readonly collect: boolean;
}

interface Expansion {
  readonly keys: readonly string[];
  readonly items: readonly unknown[];
  readonly indexOf: ReadonlyMap<string, number>;
}

/**
 * The bookkeeping every executor shares: the run's plan, which steps are ready, which are done,
 * and which must be skipped because something upstream failed. The plan grows while the run
 * runs: when a step that a map() maps succeeds, the executor hands its output to `expand`, which
 * plans one step per item (and per node inside the map). It does no I/O, so executors stay small.
 *
 * Dependencies are counted: a step waits on the steps whose outputs it takes and, for a
 * `.collect()`, first on the expansion of the map (`#<scope>[<outer keys>]`), then on every
 * mapped step the expansion made.
 */
export class StepScheduler {
  readonly #graph: JobGraph;
  readonly #completed: ReadonlySet<string>;
  readonly #maxMapped: number;
  readonly #selected: ReadonlySet<string> | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #dependents = new Map<string, Dependent[]>();
  readonly #ready: string[] = [];
  readonly #expansions = new Map<string, Expansion>();
  readonly #toExpand: string[] = [];
  readonly #scopesBySource = new Map<string, MapScope[]>();
  readonly #nodesByScope = new Map<MapScope, StepNode[]>();
  #mapped = 0;
  #pending = 0;
  readonly failed: string[] = [];
  readonly skipped: string[] = [];

  constructor(graph: JobGraph, options: StepSchedulerOptions | ReadonlySet<string> = {}) {
    const opts: StepSchedulerOptions =
      options instanceof Set ? { completed: options } : (options as StepSchedulerOptions);
    this.#graph = graph;
    this.#completed = opts.completed ?? new Set();
    this.#maxMapped = opts.maxMappedSteps ?? Number.POSITIVE_INFINITY;
    this.#selected = opts.selected;
    for (const scope of graph.scopes) {
      const list = this.#scopesBySource.get(scope.source) ?? [];
      list.push(scope);
      this.#scopesBySource.set(scope.source, list);
      this.#nodesByScope.set(scope, []);
    }
    const skipped: SkippedStep[] = [];
    for (const key of graph.order) {
      const node = graph.steps.get(key) as StepNode;
      if (node.scope) this.#nodesByScope.get(node.scope)?.push(node);
      else this.#plan(node, [], skipped);
    }
  }

  /** The next ready step, in plan order, marked running. */
  take(): PlannedStep | undefined {
    for (let key = this.#ready.shift(); key !== undefined; key = this.#ready.shift()) {
      const entry = this.#entries.get(key) as Entry;
      if (entry.state !== 'pending') continue;
      this.#set(entry, 'running');
      return entry;
    }
    return undefined;
  }

  get hasReady(): boolean {
    return this.#ready.length > 0;
  }

  /** Planned steps not started yet (ready or waiting); steps that later expansions add are not counted. */
  get pendingCount(): number {
    return this.#pending;
  }

  /** Every step planned so far (static and mapped), in plan order. */
  get plannedKeys(): string[] {
    return [...this.#entries.keys()];
  }

  planned(key: string): PlannedStep | undefined {
    return this.#entries.get(key);
  }

  /** False for a step outside the run's selection. */
  inPlan(key: string): boolean {
    return this.#entries.get(key)?.state !== 'outside';
  }

  /**
   * Steps that succeeded (or had succeeded before this run) and whose output a map() maps: the
   * executor gets each one's output and calls `expand` (or `expansionFailed`). Each key once.
   */
  takeExpansions(): string[] {
    return this.#toExpand.splice(0);
  }

  succeeded(key: string): void {
    const entry = this.#entries.get(key) as Entry;
    this.#set(entry, 'success');
    this.#queueExpansion(entry);
    for (const dep of this.#dependents.get(key) ?? []) this.#release(dep.key);
  }

  /** Marks the step failed; returns every downstream step that can no longer run, with its failed upstream. */
  failedStep(key: string): SkippedStep[] {
    const entry = this.#entries.get(key) as Entry;
    this.#set(entry, 'failed');
    this.failed.push(key);
    const skipped: SkippedStep[] = [];
    this.#cascade(entry, skipped);
    return skipped;
  }

  /**
   * The output of `sourceKey` could not be mapped (not a list, a bad or repeated key, over the
   * limit): the step fails, and what waits on its maps is skipped. Steps that take its whole
   * output already run, as its output is fine.
   */
  expansionFailed(sourceKey: string): SkippedStep[] {
    const entry = this.#entries.get(sourceKey) as Entry;
    entry.state = 'failed';
    this.failed.push(sourceKey);
    const skipped: SkippedStep[] = [];
    for (const scope of this.#scopesBySource.get(entry.node.key) ?? [])
      this.#cascadeFrom(expansionId(scope, entry.itemKeys), sourceKey, skipped);
    return skipped;
  }

  /**
   * Plans the mapped steps of every map() over `sourceKey`'s output. Throws, planning nothing,
   * when the output is not a list, a key is not safe or repeats, or the run would go past its
   * limit of mapped steps. Returns the steps planned and those skipped at once (an upstream
   * outside the map already failed).
   */
  expand(sourceKey: string, output: unknown): { planned: string[]; skipped: SkippedStep[] } {
    const source = this.#entries.get(sourceKey) as Entry;
    const scopes = this.#scopesBySource.get(source.node.key) ?? [];
    const lists = scopes.map((scope) => ({ scope, list: mapItems(scope, sourceKey, output) }));
    const adding = lists.reduce((n, { scope, list }) => n + list.keys.length * this.#nodes(scope).length, 0);
    if (this.#mapped + adding > this.#maxMapped)
      throw new MapItemsError(
        `the ${lists.length > 1 ? 'maps' : 'map()'} over '${sourceKey}' would add ${adding} mapped steps (${lists.map(({ list }) => list.keys.length).join(' + ')} items), bringing this run to ${this.#mapped + adding}, over its limit of ${this.#maxMapped}; raise the job's maxMappedSteps or map fewer items`,
        { data: { stepKey: sourceKey, adding, limit: this.#maxMapped } },
      );
    this.#mapped += adding;
    const planned: string[] = [];
    const skipped: SkippedStep[] = [];
    for (const { scope, list } of lists) {
      const id = expansionId(scope, source.itemKeys);
      this.#expansions.set(id, { ...list, indexOf: new Map(list.keys.map((k, i) => [k, i])) });
      for (const itemKey of list.keys) {
        const prefix = [...source.itemKeys, itemKey];
        for (const node of this.#nodes(scope)) planned.push(this.#plan(node, prefix, skipped).key);
      }
      // The collectors that waited for this list now wait for its mapped steps.
      for (const dep of this.#dependents.get(id) ?? []) {
        const entry = this.#entries.get(dep.key) as Entry;
        if (entry.state !== 'pending') continue;
        entry.waiting--;
        let because: string | undefined;
        for (const input of Object.values(entry.node.inputs)) {
          if (input.kind !== 'collect' || input.scope !== scope) continue;
          for (const key of list.keys)
            because ??= this.#waitOn(entry, stepKeyOf(input.from, [...source.itemKeys, key]), true);
        }
        if (because) this.#skip(entry, because, skipped);
        else if (entry.waiting === 0) this.#ready.push(entry.key);
      }
      this.#dependents.delete(id);
    }
    return { planned, skipped };
  }

  /** Where each input of a planned step comes from. Call when the step is taken (its upstreams are done). */
  inputsOf(key: string): Record<string, StepInput> {
    const entry = this.#entries.get(key) as Entry;
    const inputs: Record<string, StepInput> = {};
    for (const [name, source] of Object.entries(entry.node.inputs)) {
      switch (source.kind) {
        case 'single':
          inputs[name] = { kind: 'output', stepKey: this.#upstreamKey(source.from, entry.itemKeys) };
          break;
        case 'many':
          inputs[name] = { kind: 'outputs', stepKeys: source.from.map((f) => this.#upstreamKey(f, entry.itemKeys)) };
          break;
        case 'item': {
          const depth = source.scope.depth;
          const expansion = this.#expansion(source.scope, entry.itemKeys.slice(0, depth - 1));
          const index = expansion.indexOf.get(entry.itemKeys[depth - 1] as string) as number;
          inputs[name] = { kind: 'value', value: expansion.items[index] };
          break;
        }
        case 'collect': {
          const outer = entry.itemKeys.slice(0, source.scope.depth - 1);
          const keys = this.#expansion(source.scope, outer).keys.map((k) => stepKeyOf(source.from, [...outer, k]));
          // Only an op with partialResults gets here with some of them not succeeded.
          inputs[name] = { kind: 'outputs', stepKeys: keys.filter((k) => this.#entries.get(k)?.state === 'success') };
          break;
        }
      }
    }
    return inputs;
  }

  #nodes(scope: MapScope): StepNode[] {
    return this.#nodesByScope.get(scope) ?? [];
  }

  #expansion(scope: MapScope, outer: readonly string[]): Expansion {
    const expansion = this.#expansions.get(expansionId(scope, outer));
    if (!expansion)
      throw new RunyardError(`internal: the ${scope.source} map at [${outer.join('][')}] is not expanded`);
    return expansion;
  }

  #upstreamKey(node: string, itemKeys: readonly string[]): string {
    const depth = this.#graph.steps.get(node)?.scope?.depth ?? 0;
    return stepKeyOf(node, itemKeys.slice(0, depth));
  }

  #set(entry: Entry, state: StepState): void {
    if (entry.state === 'pending' && state !== 'pending') this.#pending--;
    entry.state = state;
  }

  #plan(node: StepNode, itemKeys: readonly string[], skipped: SkippedStep[]): Entry {
    const key = stepKeyOf(node.key, itemKeys);
    const entry: Entry = {
      key,
      node,
      step: itemKeys.length ? Object.freeze({ ...node, key }) : node,
      itemKeys,
      state: 'pending',
      waiting: 0,
    };
    this.#entries.set(key, entry);
    this.#pending++;
    if (this.#completed.has(key)) {
      this.#set(entry, 'success');
      this.#queueExpansion(entry);
      return entry;
    }
    if (this.#selected && !this.#selected.has(stepNodeName(key))) {
      this.#set(entry, 'outside');
      return entry;
    }
    let because: string | undefined;
    for (const source of Object.values(node.inputs)) {
      if (source.kind === 'single') because ??= this.#waitOn(entry, this.#upstreamKey(source.from, itemKeys), false);
      else if (source.kind === 'many')
        for (const from of source.from) because ??= this.#waitOn(entry, this.#upstreamKey(from, itemKeys), false);
      else if (source.kind === 'collect') {
        const outer = itemKeys.slice(0, source.scope.depth - 1);
        const expansion = this.#expansions.get(expansionId(source.scope, outer));
        if (expansion)
          for (const k of expansion.keys) because ??= this.#waitOn(entry, stepKeyOf(source.from, [...outer, k]), true);
        else {
          // The list is not known yet: wait for the map's source to succeed and be expanded.
          const sourceKey = stepKeyOf(source.scope.source, outer);
          const sourceState = this.#entries.get(sourceKey)?.state;
          if (sourceState === 'outside') this.#missing(entry, sourceKey);
          if (sourceState === 'failed' || sourceState === 'skipped') because ??= sourceKey;
          else this.#addDependent(expansionId(source.scope, outer), entry, false);
        }
      }
      // 'item': the expansion that planned this step holds it.
    }
    if (because) this.#skip(entry, because, skipped);
    else if (entry.waiting === 0) this.#ready.push(key);
    return entry;
  }

  /** Makes `entry` wait on `dep`; returns `dep` when it can never succeed and `entry` must be skipped. */
  #waitOn(entry: Entry, dep: string, collect: boolean): string | undefined {
    const state = this.#entries.get(dep)?.state;
    if (state === 'success') return undefined;
    if (state === 'outside') this.#missing(entry, dep);
    if (state === 'failed' || state === 'skipped') return collect && entry.node.op.partialResults ? undefined : dep;
    this.#addDependent(dep, entry, collect);
    return undefined;
  }

  /**
   * A selected step reads the output of a step outside the selection that no earlier run holds.
   * Checked at submit (selection/selection-inputs.ts); this catches an output deleted since,
   * before any step runs.
   */
  #missing(entry: Entry, dep: string): never {
    throw new RunyardError(
      `step '${entry.key}' reads the output of step '${dep}', which is not selected and no earlier run provides`,
    );
  }

  #addDependent(dep: string, entry: Entry, collect: boolean): void {
    entry.waiting++;
    const list = this.#dependents.get(dep);
    if (list) list.push({ key: entry.key, collect });
    else this.#dependents.set(dep, [{ key: entry.key, collect }]);
  }

  #release(key: string): void {
    const entry = this.#entries.get(key) as Entry;
    if (entry.state !== 'pending') return;
    entry.waiting--;
    if (entry.waiting === 0) this.#ready.push(key);
  }

  #queueExpansion(entry: Entry): void {
    if (this.#scopesBySource.has(entry.node.key)) this.#toExpand.push(entry.key);
  }

  #skip(entry: Entry, because: string, skipped: SkippedStep[]): void {
    this.#set(entry, 'skipped');
    this.skipped.push(entry.key);
    skipped.push({ step: entry.key, because });
    this.#cascade(entry, skipped);
  }

  /** A step that will not succeed: what waits on it (and on its maps' lists) is skipped. */
  #cascade(entry: Entry, skipped: SkippedStep[]): void {
    this.#cascadeFrom(entry.key, entry.key, skipped);
    for (const scope of this.#scopesBySource.get(entry.node.key) ?? [])
      this.#cascadeFrom(expansionId(scope, entry.itemKeys), entry.key, skipped);
  }

  #cascadeFrom(dep: string, because: string, skipped: SkippedStep[]): void {
    const isList = dep.startsWith('#');
    for (const d of this.#dependents.get(dep) ?? []) {
      const entry = this.#entries.get(d.key) as Entry;
      if (entry.state !== 'pending') continue;
      // A collector with partialResults does without a failed item, not without the list itself.
      if (d.collect && !isList && entry.node.op.partialResults) this.#release(d.key);
      else this.#skip(entry, because, skipped);
    }
  }
}

/** The key of one expansion of a map: `#<scope id>[<outer item keys>]…`, never a step key. */
function expansionId(scope: MapScope, outer: readonly string[]): string {
  return stepKeyOf(`#${scope.id}`, outer);
}
