import type { ErrorInfo } from './events/error-info.js';

/**
 * Runyard's errors carry data, keep their cause, and say whether they are the user's mistake
 * (bad input: exit code 2, a message and no stack trace) or a failure (exit code 1).
 */
export class RunyardError extends Error {
  readonly data: Record<string, unknown>;
  /** A user mistake: the CLI prints the message alone and exits 2. */
  readonly userError: boolean;

  constructor(message: string, options: { cause?: unknown; data?: Record<string, unknown>; userError?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.data = options.data ?? {};
    this.userError = options.userError ?? false;
  }
}

/** A job, op or definitions object that is wrong. Names the job and step. */
export class DefinitionError extends RunyardError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super(message, { data, userError: true });
  }
}

/** One problem found in config: the dotted key path and what is wrong there. */
export interface ConfigIssue {
  /** A dotted key path, e.g. `ops.greet.config.name`. */
  readonly path: string;
  readonly message: string;
}

/** Config that fails validation: every problem, each with its key path. */
export class InvalidConfigError extends RunyardError {
  readonly issues: readonly ConfigIssue[];

  constructor(what: string, issues: readonly ConfigIssue[], options: { file?: string } = {}) {
    const where = options.file ? `${options.file}: ` : '';
    const lines = issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`);
    super(`${where}invalid ${what}:\n${lines.join('\n')}`, {
      data: { issues, ...(options.file ? { file: options.file } : {}) },
      userError: true,
    });
    this.issues = issues;
  }
}

/** A code location that cannot be loaded: missing file, syntax error, wrong default export … */
export class CodeLocationError extends RunyardError {
  constructor(message: string, options: { cause?: unknown; file?: string; line?: number; column?: number } = {}) {
    const data: Record<string, unknown> = {};
    if (options.file) data.file = options.file;
    if (options.line !== undefined) data.line = options.line;
    if (options.column !== undefined) data.column = options.column;
    super(message, { cause: options.cause, data, userError: true });
  }
}

/** No run has this id (or unique id prefix). A user error (exit 2, HTTP 404). */
export class RunNotFoundError extends RunyardError {
  constructor(readonly runId: string) {
    super(`run '${runId}' was not found`, { data: { runId }, userError: true });
  }
}

/**
 * A code location has no job of that name; the message lists the jobs it has. A user error (exit 2,
 * HTTP 404).
 */
export class JobNotFoundError extends RunyardError {
  constructor(jobName: string, available: readonly string[], where?: string) {
    const list = available.length ? `; jobs there: ${available.join(', ')}` : '; it defines no jobs';
    super(`job '${jobName}' was not found${where ? ` in ${where}` : ''}${list}`, {
      data: { jobName, available },
      userError: true,
    });
  }
}

/** A run with this id exists already. */
export class RunAlreadyExistsError extends RunyardError {
  constructor(readonly runId: string) {
    super(`a run with id '${runId}' already exists`, { data: { runId } });
  }
}

/** The instance's schema is newer than this version of Runyard understands. */
export class SchemaTooNewError extends RunyardError {
  constructor(location: string, found: number, supported: number) {
    super(
      `the storage at ${location} has schema version ${found}, but this version of Runyard supports up to ${supported}; upgrade Runyard to open it`,
      { data: { found, supported }, userError: true },
    );
  }
}

/** A storage whose schema is older than the code: run `runyard instance migrate`. */
export class SchemaTooOldError extends RunyardError {
  constructor(location: string, found: number, latest: number) {
    super(
      `the storage at ${location} has schema version ${found} but Runyard needs ${latest}; run \`runyard instance migrate\``,
      { data: { found, latest }, userError: true },
    );
  }
}

/** Rebuilds an error thrown in another process from its ErrorInfo. */
export function errorFromInfo(info: ErrorInfo): Error {
  const err = new RunyardError(info.message, {
    data: info.data ?? {},
    cause: info.cause ? errorFromInfo(info.cause) : undefined,
  });
  err.name = info.name;
  if (info.stack) err.stack = info.stack;
  return err;
}
