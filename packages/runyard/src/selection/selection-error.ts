import { RunyardError } from '../errors.js';

/** One problem with a selection: the term it is about (as written) and what is wrong with it. */
export interface SelectionIssue {
  readonly term: string;
  readonly message: string;
}

/** As the HTTP API lists it, beside config issues: `path` is always `selection`. */
export interface SelectionApiIssue extends SelectionIssue {
  readonly path: 'selection';
}

/** A selection that cannot be used: every problem found is listed, not only the first. */
export class SelectionError extends RunyardError {
  readonly issues: readonly SelectionApiIssue[];

  /** `hint` follows the issues (e.g. the job's steps). */
  constructor(what: string, issues: readonly SelectionIssue[], hint?: string) {
    super(`${what}: ${issues.map((i) => i.message).join('; ')}${hint ? ` (${hint})` : ''}`, {
      data: { issues },
      userError: true,
    });
    this.issues = issues.map((issue) => ({ path: 'selection', ...issue }));
  }
}
