import { HttpError } from './http-error.js';

/** Deeper than any real run config or request; deep enough that parsing stays cheap. */
export const MAX_NESTING_DEPTH = 64;

/**
 * How deeply a JSON text nests arrays and objects, counted in one pass over the characters before
 * anything parses it: a body of ten thousand `[` costs microseconds here, not a deep parse.
 */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x5b || ch === 0x7b) max = Math.max(max, ++depth);
    else if (ch === 0x5d || ch === 0x7d) depth--;
  }
  return max;
}

/**
 * An upper estimate of how deeply a YAML text nests, in one pass: block nesting is the number of
 * open indentation levels plus `- ` entries that start a line, flow nesting the open `[`/`{`
 * outside quotes and comments. It may count a little high (brackets in a block scalar), never
 * low, which is what a limit needs.
 */
export function yamlNestingDepth(text: string): number {
  const indents: number[] = [];
  let flow = 0;
  let max = 0;
  for (const line of text.split('\n')) {
    let i = 0;
    while (line[i] === ' ') i++;
    if (i === line.length || line[i] === '#') continue;
    if (flow === 0) {
      while (indents.length && indents[indents.length - 1]! >= i) indents.pop();
      indents.push(i);
    }
    let block = indents.length;
    while (line[i] === '-' && (line[i + 1] === ' ' || i + 1 === line.length)) {
      block++;
      i += 2;
      while (line[i] === ' ') i++;
    }
    max = Math.max(max, block + flow);
    let quote = '';
    for (; i < line.length; i++) {
      const ch = line[i];
      if (quote) {
        if (ch === '\\' && quote === '"') i++;
        else if (ch === quote) quote = '';
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '#' && (i === 0 || line[i - 1] === ' ')) break;
      else if (ch === '[' || ch === '{') max = Math.max(max, block + ++flow);
      else if ((ch === ']' || ch === '}') && flow > 0) flow--;
    }
  }
  return max;
}

/** Refuses `text` (named `what` in the message) when it nests deeper than the limit. */
export function checkNestingDepth(what: string, depth: number): void {
  if (depth > MAX_NESTING_DEPTH)
    throw new HttpError(
      400,
      'too_deeply_nested',
      `${what} nests ${depth} levels deep; at most ${MAX_NESTING_DEPTH} are accepted`,
    );
}
