import type { RunEvent } from '../events/run-event.js';
import { paint, useColor } from './style.js';

/**
 * Counts steps from events for `--wait`: on a terminal it keeps one status line at the bottom
 * (rewritten in place); elsewhere it adds nothing, and the event lines say it all.
 */
export class StepProgress {
  readonly #running = new Set<string>();
  readonly #done = new Set<string>();
  readonly #failed = new Set<string>();
  readonly #skipped = new Set<string>();
  readonly #cancelled = new Set<string>();
  readonly #live: boolean;
  #shown = false;

  constructor(readonly stream: NodeJS.WriteStream = process.stdout) {
    this.#live = Boolean(stream.isTTY);
  }

  /** Writes the event line, then redraws the status line below it. */
  print(line: string, event: RunEvent): void {
    this.#count(event);
    if (this.#live && this.#shown) this.stream.write('\r\u001b[2K');
    this.stream.write(`${line}\n`);
    if (this.#live) {
      this.stream.write(this.summary(useColor(this.stream)));
      this.#shown = true;
    }
  }

  /** Clears the status line (call before printing anything else). */
  end(): void {
    if (this.#live && this.#shown) this.stream.write('\r\u001b[2K');
    this.#shown = false;
  }

  summary(color = false): string {
    const parts = [
      `${this.#done.size} done`,
      `${this.#running.size} running`,
      paint(`${this.#failed.size} failed`, this.#failed.size ? 'red' : 'gray', color),
    ];
    if (this.#skipped.size) parts.push(`${this.#skipped.size} skipped`);
    if (this.#cancelled.size) parts.push(`${this.#cancelled.size} cancelled`);
    return `steps: ${parts.join(' · ')}`;
  }

  #count(event: RunEvent): void {
    // A finished run has no running step: those still counted as running ended with it (their own
    // end events are written just after the run's, when the follower may have stopped reading).
    if (event.type === 'RUN_FAILURE' || event.type === 'RUN_CANCELED' || event.type === 'RUN_SUCCESS') {
      const into = event.type === 'RUN_CANCELED' ? this.#cancelled : this.#failed;
      for (const step of this.#running) into.add(step);
      this.#running.clear();
      return;
    }
    const key = event.stepKey;
    if (!key) return;
    switch (event.type) {
      case 'STEP_START':
      case 'STEP_RESTARTED':
        this.#running.add(key);
        break;
      case 'STEP_SUCCESS':
        this.#running.delete(key);
        this.#done.add(key);
        break;
      case 'STEP_FAILURE':
        this.#running.delete(key);
        if (event.data?.stepEnd === 'cancelled') this.#cancelled.add(key);
        else if (!this.#cancelled.has(key)) this.#failed.add(key);
        break;
      case 'STEP_SKIPPED':
        this.#skipped.add(key);
        break;
      default:
        break;
    }
  }
}
