import { readFileSync } from 'node:fs';
import { findSourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A place in a source file, as editors number it. */
export interface SourcePosition {
  /** Absolute path. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

// `    at fn (file:///a/b.mjs:6:9)`, `    at /a/b.ts:4:9`, `    at new X (C:\a\b.js:1:2)`.
const STACK_FRAME = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?\s*$/;

/**
 * The file positions in a V8 stack trace, innermost first. Frames without a file on disk
 * (`node:internal/…`, `native`, `<anonymous>`, eval) are left out.
 */
export function stackPositions(stack: string): SourcePosition[] {
  const positions: SourcePosition[] = [];
  for (const line of stack.split('\n')) {
    const match = STACK_FRAME.exec(line);
    if (!match) continue;
    const file = locationToPath(match[1] as string);
    if (file) positions.push({ file, line: Number(match[2]), column: Number(match[3]) });
  }
  return positions;
}

/** A path for a `file:` URL or an absolute path; undefined for anything else. */
export function locationToPath(location: string): string | undefined {
  if (location.startsWith('file://')) {
    try {
      return fileURLToPath(location);
    } catch {
      return undefined;
    }
  }
  return path.isAbsolute(location) ? location : undefined;
}

/**
 * Maps a position in compiled output back to the source, when Node holds a source map for the
 * file. Node normally maps stack traces itself once source maps are enabled; this covers stacks
 * that were formatted by a custom `Error.prepareStackTrace` (test runners, source-map-support).
 */
export function originalPosition(position: SourcePosition): SourcePosition {
  const map = findSourceMap(pathToFileURL(position.file).href) ?? findSourceMap(position.file);
  if (!map) return position;
  const entry = map.findEntry(position.line - 1, position.column - 1);
  if (!('originalSource' in entry)) return position;
  return {
    file: locationToPath(entry.originalSource) ?? position.file,
    line: entry.originalLine + 1,
    column: entry.originalColumn + 1,
  };
}

/** One line of a file (1-based), or undefined when the file or line cannot be read. */
export function readSourceLine(file: string, line: number): string | undefined {
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/)[line - 1];
  } catch {
    return undefined;
  }
}

/**
 * The offending line with a caret under the column, the way compilers show it:
 *
 *     3 | const x: number = ;
 *       |                   ^
 */
export function codeFrame(lineText: string, line: number, column: number, length = 1): string {
  const gutter = String(line);
  // Keep tabs so the caret lines up with the text above it.
  const indent = lineText.slice(0, Math.max(0, column - 1)).replace(/[^\t]/g, ' ');
  const carets = '^'.repeat(Math.max(1, Math.min(length, lineText.length - column + 1)));
  return `  ${gutter} | ${lineText}\n  ${' '.repeat(gutter.length)} | ${indent}${carets}`;
}

/** `file:line:column: message` followed by the source line, when it can be read. */
export function formatAtPosition(
  message: string,
  position: SourcePosition,
  cwd: string,
  options: { lineText?: string; length?: number } = {},
): string {
  const where = `${displayPath(position.file, cwd)}:${position.line}:${position.column}`;
  const lineText = options.lineText ?? readSourceLine(position.file, position.line);
  return lineText === undefined
    ? `${where}: ${message}`
    : `${where}: ${message}\n${codeFrame(lineText, position.line, position.column, options.length)}`;
}

/** A path as the user would type it: relative to cwd when it is inside cwd, else absolute. */
export function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}
