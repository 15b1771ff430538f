import type { NewRunEvent } from '../events/run-event.js';

/**
 * Counts the events a writer had to give up, and why, so that the run's event log says so in one
 * ENGINE_EVENT ("312 events of this run were lost…") instead of silently having holes.
 */
export class EventLossCounter {
  readonly #reasons = new Map<string, number>();
  #count = 0;
  #from = Number.POSITIVE_INFINITY;
  #to = 0;

  get count(): number {
    return this.#count;
  }

  add(event: NewRunEvent, reason: string): void {
    this.#count++;
    this.#reasons.set(reason, (this.#reasons.get(reason) ?? 0) + 1);
    const at = event.timestamp ?? Date.now();
    this.#from = Math.min(this.#from, at);
    this.#to = Math.max(this.#to, at);
  }

  /** The event that reports every loss counted so far, or undefined when nothing was lost. */
  report(runId: string): NewRunEvent | undefined {
    if (this.#count === 0) return undefined;
    const reasons = [...this.#reasons].map(([reason, n]) => `${n} because ${reason}`).join('; ');
    const span = `${new Date(this.#from).toISOString()} to ${new Date(this.#to).toISOString()}`;
    return {
      runId,
      type: 'ENGINE_EVENT',
      level: 'error',
      message: `${this.#count} event(s) of this run, emitted from ${span}, were lost: ${reasons}`,
      data: {
        lostEvents: this.#count,
        reasons: Object.fromEntries(this.#reasons),
        firstLostAt: this.#from,
        lastLostAt: this.#to,
      },
    };
  }

  /** The report was stored (or cannot be): start counting afresh. */
  clear(): void {
    this.#reasons.clear();
    this.#count = 0;
    this.#from = Number.POSITIVE_INFINITY;
    this.#to = 0;
  }
}
