import type { Readable, Writable } from 'node:stream';

/** A partial line longer than this is written out without waiting for its end. */
const MAX_PENDING = 64 * 1024;

/**
 * Copies a step process's stdout or stderr to the run worker's own, whole lines at a time, so the
 * lines of steps that print at once do not cut into each other. Lines are not prefixed: the
 * worker's compute logs hold the same text as when the steps run in process. It also keeps the
 * last lines, for the error that reports a crash.
 */
export interface LineForwarderOptions {
  /** How many of the last lines to keep for `tail`. Default 0. */
  readonly keepLines?: number;
  /** Sets `sawPattern` when any line matches, even one long gone from the tail. */
  readonly watchFor?: RegExp;
}

export class LineForwarder {
  readonly #target: Writable;
  readonly #keep: number;
  readonly #watchFor: RegExp | undefined;
  readonly #tail: string[] = [];
  #pending = '';
  #sawPattern = false;

  constructor(source: Readable, target: Writable, options: LineForwarderOptions = {}) {
    this.#target = target;
    this.#keep = options.keepLines ?? 0;
    this.#watchFor = options.watchFor;
    source.setEncoding('utf8');
    source.on('data', (chunk: string) => this.#push(chunk));
    source.on('end', () => this.#flush());
  }

  /** Whether a line matched `watchFor`. */
  get sawPattern(): boolean {
    return this.#sawPattern;
  }

  /** The last lines seen (up to `keepLines`), the unfinished one included. */
  get tail(): string[] {
    const lines = this.#pending ? [...this.#tail, this.#pending] : [...this.#tail];
    return lines.slice(-this.#keep);
  }

  /**
   * Forgets the lines kept so far and whether the pattern was seen (a reused step process starts a
   * new attempt); the unfinished line stays, it is still being written.
   */
  clearTail(): void {
    this.#tail.length = 0;
    this.#sawPattern = false;
  }

  #push(chunk: string): void {
    const text = this.#pending + chunk;
    const end = text.lastIndexOf('\n') + 1;
    if (end === 0 && text.length < MAX_PENDING) {
      this.#pending = text;
      return;
    }
    const whole = end === 0 ? text : text.slice(0, end);
    this.#pending = end === 0 ? '' : text.slice(end);
    this.#target.write(whole);
    this.#remember(whole);
  }

  #flush(): void {
    if (!this.#pending) return;
    const rest = this.#pending;
    this.#pending = '';
    this.#target.write(rest.endsWith('\n') ? rest : `${rest}\n`);
    this.#remember(rest);
  }

  #remember(text: string): void {
    if (this.#watchFor?.test(text)) this.#sawPattern = true;
    if (this.#keep === 0) return;
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    for (const line of lines) this.#tail.push(line.replace(/\r$/, ''));
    if (this.#tail.length > this.#keep) this.#tail.splice(0, this.#tail.length - this.#keep);
  }
}
