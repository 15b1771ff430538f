/** Builds a WHERE clause from conditions written with `?`, numbering the placeholders as $n. */
export class Where {
  readonly params: unknown[] = [];
  readonly #conditions: string[] = [];

  /** Adds a condition; each `?` in it takes the next value. */
  add(condition: string, ...values: unknown[]): void {
    let next = 0;
    this.#conditions.push(condition.replace(/\?/g, () => this.param(values[next++])));
  }

  /** Registers one value and returns its placeholder. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  sql(): string {
    return this.#conditions.length ? this.#conditions.join(' AND ') : 'TRUE';
  }
}
