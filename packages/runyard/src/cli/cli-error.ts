import { RunyardError } from '../errors.js';
import { findStorageUnusableError } from '../storage/storage-unusable-error.js';

/** Bad usage or bad input on the command line: exit code 2 with just the message. */
export class UsageError extends RunyardError {
  constructor(message: string) {
    super(message, { userError: true });
  }
}

/** A command that finished but did not succeed (a failed run): exit code 1, nothing more to print. */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** 130 is the shell's code for a command stopped by Ctrl-C (128 + SIGINT). */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/**
 * Turns whatever a command threw into an exit code. User mistakes get their message alone, no
 * stack trace; anything else is a bug or an outage and keeps its stack so it can be reported.
 */
export function reportError(error: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (error instanceof ExitCode) return error.code;
  if (error instanceof RunyardError && error.userError) {
    stderr.write(`runyard: ${error.message}\n`);
    return EXIT.usage;
  }
  // Storage that cannot be used is not a bug: the message says which store, what is wrong and what to do.
  const storage = findStorageUnusableError(error);
  if (storage) {
    stderr.write(`runyard: ${storage.message}\n`);
    return EXIT.usage;
  }
  if (isUserErrorFromOtherCopy(error)) {
    stderr.write(`runyard: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  const err = error instanceof Error ? error : new Error(String(error));
  stderr.write(`runyard: ${err.stack ?? err.message}\n`);
  return EXIT.failed;
}

/** A DefinitionError thrown by a code location's own copy of `runyard` is not `instanceof` ours. */
function isUserErrorFromOtherCopy(error: unknown): boolean {
  return error instanceof Error && (error as { userError?: unknown }).userError === true;
}
