import type { JobGraph } from '../definitions/job-graph.js';
import { parseSelection, type SelectionTerm } from './parse-selection.js';
import { SelectionError, type SelectionIssue } from './selection-error.js';

/** A selection resolved against a job: the steps (static node names) that will run, in plan order. */
export interface ResolvedSelection {
  /** The selection as given, terms trimmed and joined with `,`. */
  readonly expression: string;
  readonly steps: readonly string[];
}

/**
 * Resolves a selection (`name`, `load_*`, `+name`, `name++`, `*name`, `name*`, `a,b`) against a
 * job's graph. Every term must match at least one step; otherwise a SelectionError lists each
 * term that did not, with the job's steps.
 *
 *   resolveSelection(job.graph, '+report', `job 'daily'`).steps  // ['load', 'report']
 *
 * A `*` at either end of a term is Dagster's operator (all ancestors / all descendants) when the
 * rest of the term is exactly a step's name; otherwise every `*` is a glob over step names. So with
 * steps `load` and `load_users`, `load*` is `load` and everything downstream of it, and
 * `load_*` is the glob.
 */
export function resolveSelection(graph: JobGraph, selection: string, what = 'step selection'): ResolvedSelection {
  const { terms, issues } = parseSelection(selection);
  const chosen = new Set<string>();
  const problems: SelectionIssue[] = [...issues];
  for (const term of terms) {
    const matched = resolveTerm(graph, term);
    if (matched.size === 0) problems.push({ term: term.text, message: noMatch(term) });
    for (const step of matched) chosen.add(step);
  }
  if (problems.length)
    throw new SelectionError(`${what} '${selection}'`, problems, `the job's steps: ${stepList(graph)}`);
  return {
    expression: terms.map((t) => t.text).join(','),
    steps: graph.order.filter((step) => chosen.has(step)),
  };
}

/** The steps a term selects (empty when its name or glob matches none). */
function resolveTerm(graph: JobGraph, term: SelectionTerm): Set<string> {
  const { body } = term;
  let core = body;
  let up = term.up;
  let down = term.down;
  // Dagster's `*name`, `name*`, `*name*`: only when what is left is exactly a step's name.
  const starts = body.startsWith('*') && term.up === 0;
  const ends = body.endsWith('*') && term.down === 0 && body.length > 1;
  const tryCore = (candidate: string, allUp: boolean, allDown: boolean) => {
    if (core !== body || candidate === '' || candidate.includes('*') || !graph.steps.has(candidate)) return;
    core = candidate;
    if (allUp) up = Number.POSITIVE_INFINITY;
    if (allDown) down = Number.POSITIVE_INFINITY;
  };
  if (starts && ends) tryCore(body.slice(1, -1), true, true);
  if (starts) tryCore(body.slice(1), true, false);
  if (ends) tryCore(body.slice(0, -1), false, true);

  const roots = core.includes('*') ? graph.order.filter((step) => globToRegExp(core).test(step)) : [];
  if (!core.includes('*') && graph.steps.has(core)) roots.push(core);
  const selected = new Set(roots);
  walk(graph, roots, 'upstream', up, selected);
  walk(graph, roots, 'downstream', down, selected);
  return selected;
}

/** Adds the steps within `depth` edges of `roots` in one direction. */
function walk(
  graph: JobGraph,
  roots: readonly string[],
  direction: 'upstream' | 'downstream',
  depth: number,
  into: Set<string>,
): void {
  let frontier = [...roots];
  const seen = new Set(roots);
  for (let level = 0; level < depth && frontier.length; level++) {
    const next: string[] = [];
    for (const step of frontier) {
      for (const neighbour of graph.steps.get(step)?.[direction] ?? []) {
        if (seen.has(neighbour)) continue;
        seen.add(neighbour);
        into.add(neighbour);
        next.push(neighbour);
      }
    }
    frontier = next;
  }
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]-]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`);
}

function noMatch(term: SelectionTerm): string {
  return `'${term.text}' ${term.body.includes('*') ? 'matches no step' : 'names no step of the job'}`;
}

function stepList(graph: JobGraph): string {
  const steps = graph.order;
  return steps.length <= 30 ? steps.join(', ') : `${steps.slice(0, 30).join(', ')}, … (${steps.length} in all)`;
}
