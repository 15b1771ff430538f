import path from 'node:path';
import type { BuildFailure, Message } from 'esbuild';
import { CodeLocationError } from '../errors.js';
import { formatAtPosition, type SourcePosition } from './source-location.js';

/** Enough errors to show every unresolved import of a file, without burying the first one. */
const MAX_SHOWN = 5;

// esbuild suggests this for every unresolved import; a code location cannot act on it.
const UNHELPFUL_NOTE = /^You can mark the path .* as external/;

export function isBuildFailure(error: unknown): error is BuildFailure {
  return error instanceof Error && Array.isArray((error as Partial<BuildFailure>).errors);
}

/**
 * One CodeLocationError for esbuild's errors: `file:line:column: message` and the source line for
 * each, so a syntax error reads the same whether it came from a .ts or a .js file.
 *
 * @param baseDir esbuild's `absWorkingDir`, which its message locations are relative to
 */
export function errorFromMessages(
  messages: readonly Message[],
  baseDir: string,
  cwd: string,
  cause?: unknown,
): CodeLocationError {
  const shown = messages.slice(0, MAX_SHOWN).map((m) => formatMessage(m, baseDir, cwd));
  const more = messages.length - shown.length;
  if (more > 0) shown.push(`(and ${more} more error${more === 1 ? '' : 's'})`);
  const first = messages[0] && messagePosition(messages[0], baseDir);
  return new CodeLocationError(shown.join('\n'), {
    cause,
    ...(first ? { file: first.file, line: first.line, column: first.column } : {}),
  });
}

/** Where a message points, with a 1-based column counted in characters. */
export function messagePosition(message: Message, baseDir: string): SourcePosition | undefined {
  const location = message.location;
  if (!location?.file) return undefined;
  // esbuild counts columns in UTF-8 bytes from 0; editors count characters from 1.
  const prefix = Buffer.from(location.lineText, 'utf8').subarray(0, location.column).toString('utf8');
  return { file: path.resolve(baseDir, location.file), line: location.line, column: prefix.length + 1 };
}

function formatMessage(message: Message, baseDir: string, cwd: string): string {
  const notes = message.notes
    .map((note) => note.text)
    .filter((text) => text && !UNHELPFUL_NOTE.test(text))
    .map((text) => `\n  note: ${text}`)
    .join('');
  const position = messagePosition(message, baseDir);
  if (!position || !message.location) return `${message.text}${notes}`;
  const formatted = formatAtPosition(message.text, position, cwd, {
    lineText: message.location.lineText,
    length: message.location.length,
  });
  return `${formatted}${notes}`;
}
