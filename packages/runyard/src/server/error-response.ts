import { RunyardError } from '../errors.js';
import { HttpError } from './http-error.js';

const NOT_FOUND_ERRORS = new Set(['RunNotFoundError', 'JobNotFoundError', 'ScheduleNotFoundError']);

/**
 * Maps what a route threw to the API's answer. Runyard's user errors (bad config, unknown job or
 * run) are the caller's mistakes, so they become 4xx with the message that names what was wrong;
 * anything else is Runyard's own failure: a 500 whose body holds no stack.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const name = error instanceof Error ? error.name : '';
  if (NOT_FOUND_ERRORS.has(name)) return new HttpError(404, 'not_found', (error as Error).message);
  if (isUserError(error)) {
    const issues = (error as { issues?: unknown }).issues;
    return new HttpError(
      400,
      name === 'InvalidConfigError' ? 'invalid_config' : 'bad_request',
      (error as Error).message,
      Array.isArray(issues) ? issues : undefined,
    );
  }
  return new HttpError(500, 'internal', `internal error: ${error instanceof Error ? error.message : String(error)}`);
}

/** A user error from this copy of Runyard, or from another copy a code location loaded. */
function isUserError(error: unknown): boolean {
  if (error instanceof RunyardError) return error.userError;
  return error instanceof Error && (error as { userError?: unknown }).userError === true;
}
