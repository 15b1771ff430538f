import type { SelectionIssue } from './selection-error.js';

/**
 * One comma-separated term of a selection, before it meets a graph: `+` counts on each side and
 * the body between them (a name, a glob, or a name with Dagster's `*` operator; which one is only
 * known against the job's steps, see resolve-selection.ts).
 */
export interface SelectionTerm {
  /** The term as written (trimmed), for messages. */
  readonly text: string;
  /** `++name`: upstream depth 2. */
  readonly up: number;
  /** `name+++`: downstream depth 3. */
  readonly down: number;
  readonly body: string;
}

// Step names are op names or `op.as()` aliases; `*` is the only wildcard.
const BODY = /^[A-Za-z0-9_.\-*]+$/;

/** Splits a selection into terms; problems are returned per term, all of them. */
export function parseSelection(selection: string): { terms: SelectionTerm[]; issues: SelectionIssue[] } {
  const terms: SelectionTerm[] = [];
  const issues: SelectionIssue[] = [];
  const parts = selection.split(',').map((part) => part.trim());
  if (parts.every((part) => part === ''))
    return { terms, issues: [{ term: selection, message: 'the selection is empty; name at least one step' }] };
  for (const [i, text] of parts.entries()) {
    if (text === '') {
      issues.push({ term: text, message: `term ${i + 1} of '${selection}' is empty (two commas in a row?)` });
      continue;
    }
    const lead = /^\++/.exec(text)?.[0].length ?? 0;
    const trail = /\++$/.exec(text.slice(lead))?.[0].length ?? 0;
    const body = text.slice(lead, text.length - trail);
    if (body === '') {
      issues.push({ term: text, message: `'${text}' has operators but no step name` });
      continue;
    }
    if (body.includes('[')) {
      issues.push({
        term: text,
        message: `'${text}' names a mapped step; selections name whole steps (ops), so select '${body.slice(0, body.indexOf('['))}' to run all its mapped steps`,
      });
      continue;
    }
    if (!BODY.test(body)) {
      const bad = [...body].find((ch) => !BODY.test(ch));
      issues.push({
        term: text,
        message: `'${text}' has '${bad}', which a selection does not use (names, '*' globs, '+' for up/downstream, ',' between terms)`,
      });
      continue;
    }
    terms.push({ text, up: lead, down: trail, body });
  }
  return { terms, issues };
}
