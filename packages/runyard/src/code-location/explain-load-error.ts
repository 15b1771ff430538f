import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { CodeLocationError } from '../errors.js';
import { COMPILED_EXTENSIONS } from './compile-typescript.js';
import { locateSyntaxError } from './locate-syntax-error.js';
import { resolvePackage } from './package-resolution.js';
import {
  codeFrame,
  displayPath,
  formatAtPosition,
  originalPosition,
  readSourceLine,
  type SourcePosition,
  stackPositions,
} from './source-location.js';

export interface LoadErrorContext {
  /** The code location's own file (for a compiled location, its source, not the cached output). */
  readonly entry: string;
  readonly cwd: string;
  /** For a compiled location: the source files in the bundle, where the user's frames are. */
  readonly sourceFiles?: readonly string[];
}

/**
 * Turns whatever `import()` of a code location threw into a CodeLocationError whose message alone
 * says what is wrong and where: a missing package, a syntax error, or an error thrown while the
 * module ran (with the line it came from). The original error is kept as `cause`.
 */
export async function explainLoadError(error: unknown, context: LoadErrorContext): Promise<CodeLocationError> {
  if (error instanceof CodeLocationError) return error;
  if (errorCode(error) === 'ERR_MODULE_NOT_FOUND') return missingModuleError(error as Error, context);
  if (errorCode(error) === 'ERR_UNKNOWN_FILE_EXTENSION') return unknownExtensionError(error as Error, context);
  // A compiled location was parsed by esbuild already; for plain JavaScript, find the position.
  if (errorName(error) === 'SyntaxError' && !context.sourceFiles) {
    const located = await locateSyntaxError(context.entry, context.cwd, error);
    if (located) return located;
  }
  return evaluationError(error, context);
}

function missingModuleError(error: Error, context: LoadErrorContext): CodeLocationError {
  const firstLine = error.message.split('\n')[0] as string;
  const match = /^Cannot find (package|module) '(.+)' imported from (.+)$/.exec(firstLine);
  const importer = match && !context.sourceFiles ? (match[3] as string) : context.entry;
  const where = displayPath(importer, context.cwd);
  if (match?.[1] === 'package') {
    const name = match[2] as string;
    const message = `cannot find package '${name}'; is it installed?`;
    const found = findImportOf(name, importer);
    const text = found
      ? formatAtPosition(message, found.position, context.cwd, { length: found.length })
      : `${where}: ${message}`;
    const position = found?.position;
    return new CodeLocationError(text, {
      cause: error,
      file: importer,
      ...(position ? { line: position.line, column: position.column } : {}),
    });
  }
  const text = match ? `cannot find module ${displayPath(match[2] as string, context.cwd)}` : firstLine;
  return new CodeLocationError(`${where}: ${text}`, { cause: error, file: importer });
}

/** A JavaScript location that imports TypeScript, which Node (20) cannot run. */
function unknownExtensionError(error: Error, context: LoadErrorContext): CodeLocationError {
  const where = displayPath(context.entry, context.cwd);
  const file = /^Unknown file extension "[^"]*" for (.+)$/.exec(error.message)?.[1];
  if (!file || !COMPILED_EXTENSIONS.includes(path.extname(file)))
    return new CodeLocationError(`${where}: ${error.message}`, { cause: error, file: context.entry });
  return new CodeLocationError(
    `${where} imports ${displayPath(file, context.cwd)}, which Node cannot run; give ${where} a .ts extension, so that Runyard compiles it together with what it imports`,
    { cause: error, file: context.entry },
  );
}

/** Where a file imports a package (`'zod'`, `"zod/mini"`), found in its text. */
function findImportOf(packageName: string, file: string): { position: SourcePosition; length: number } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const escaped = packageName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`(['"])${escaped}(?:/[^'"]*)?\\1`).exec(text);
  if (!match) return undefined;
  const before = text.slice(0, match.index).split('\n');
  return {
    position: { file, line: before.length, column: (before.at(-1) as string).length + 1 },
    length: match[0].length,
  };
}

function evaluationError(error: unknown, context: LoadErrorContext): CodeLocationError {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const isUserFile = userFilePredicate(context);
  const frame = stackPositions(stack)
    .map(originalPosition)
    .find((position) => isUserFile(position.file));
  const where = frame
    ? `${displayPath(frame.file, context.cwd)}:${frame.line}`
    : displayPath(context.entry, context.cwd);
  const lineText = frame && readSourceLine(frame.file, frame.line);
  const source = frame && lineText !== undefined ? `\n${codeFrame(lineText, frame.line, frame.column)}` : '';
  return new CodeLocationError(`error while loading ${where}: ${describeThrown(error)}${source}`, {
    cause: error,
    file: frame?.file ?? context.entry,
    ...(frame ? { line: frame.line, column: frame.column } : {}),
  });
}

/**
 * Which stack frames are the user's code. For a compiled location the bundle's sources are known
 * exactly. For JavaScript, it is any file outside node_modules, outside the directory of the
 * `runyard` the location imports (a DefinitionError is thrown inside job(), whose frames come
 * first) and outside the loader's own directory (whose import() call is on the stack).
 */
function userFilePredicate(context: LoadErrorContext): (file: string) => boolean {
  if (context.sourceFiles) {
    const sources = new Set(context.sourceFiles);
    return (file) => sources.has(file);
  }
  const runyard = resolvePackage('runyard', path.dirname(context.entry));
  const runyardDir = runyard.found ? path.dirname(runyard.file) + path.sep : undefined;
  const loaderDir = path.dirname(fileURLToPath(import.meta.url));
  return (file) =>
    !file.split(/[\\/]/).includes('node_modules') &&
    !(runyardDir && file.startsWith(runyardDir)) &&
    path.dirname(file) !== loaderDir;
}

/**
 * The thrown value in words. A Runyard user error (DefinitionError) keeps its message intact, as
 * it names the job and step; other errors keep their kind (`TypeError: …`).
 */
function describeThrown(error: unknown): string {
  if (!(error instanceof Error))
    return typeof error === 'string' ? error : inspect(error, { depth: 2, breakLength: Infinity });
  const isUserError = (error as { userError?: unknown }).userError === true;
  return isUserError || error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

function errorName(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
}
