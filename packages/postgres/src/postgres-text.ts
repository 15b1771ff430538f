/**
 * PostgreSQL's text type cannot hold U+0000 ("invalid byte sequence for encoding UTF8: 0x00"),
 * while SQLite stores and returns it, and a log line or an error message may well contain one (a
 * C library's output, a binary read as text). So that every backend stores what it is given and
 * returns it unchanged, free-text columns (an event's message and step key, a run's statusReason)
 * go through this reversible encoding: U+0000 is written as U+E000 '0', and U+E000 itself (a
 * private-use character, so rare) as U+E000 U+E000. Text with neither is stored as it is, and a
 * lone U+E000 followed by anything else reads back unchanged.
 */

const NUL = '\u0000';
const ESCAPE = '\uE000';
// Built from a string: a regex literal with a control character in it is a lint error, for good reason elsewhere.
const ENCODE = new RegExp(`[${NUL}${ESCAPE}]`, 'g');
const DECODE = /\uE000([0\uE000])/g;

export function encodeText(text: string): string {
  if (!text.includes(NUL) && !text.includes(ESCAPE)) return text;
  return text.replace(ENCODE, (c) => (c === NUL ? `${ESCAPE}0` : `${ESCAPE}${ESCAPE}`));
}

export function decodeText(text: string): string {
  if (!text.includes(ESCAPE)) return text;
  return text.replace(DECODE, (_, c: string) => (c === '0' ? NUL : ESCAPE));
}

export function encodeTextOrNull(text: string | null | undefined): string | null {
  return text === undefined || text === null ? null : encodeText(text);
}
