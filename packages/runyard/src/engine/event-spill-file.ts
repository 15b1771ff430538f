import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { NewRunEvent } from '../events/run-event.js';

/**
 * The overflow of a BufferedEventWriter while storage is unreachable: events that do not fit in
 * memory are appended here, one JSON line each, and read back in the same order when storage
 * answers again. Synchronous, because emitting an event is (and it is only used during an outage).
 * The file is created on the first event and removed once everything in it has been read back
 * (or by `close()`).
 */
export class EventSpillFile {
  readonly path: string;
  readonly #maxBytes: number;
  #fd: number | undefined;
  #writeOffset = 0;
  #readOffset = 0;
  #pending = 0;
  #chunkBytes = 1 << 20;

  constructor(dir: string, name: string, maxBytes: number) {
    this.path = path.join(dir, name);
    this.#maxBytes = maxBytes;
  }

  /** Events written and not yet read back. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Appends one event; false when it cannot be kept (the file would pass its size limit, or the
   * write failed: a full disk under the temp directory too).
   */
  append(event: NewRunEvent): boolean {
    const line = Buffer.from(`${JSON.stringify(event)}\n`, 'utf8');
    if (this.#writeOffset + line.length > this.#maxBytes) return false;
    try {
      this.#fd ??= openSync(this.path, 'w+', 0o600);
      writeSync(this.#fd, line, 0, line.length, this.#writeOffset);
    } catch {
      return false;
    }
    this.#writeOffset += line.length;
    this.#pending++;
    return true;
  }

  /** Reads back up to `max` events, oldest first. */
  read(max: number): NewRunEvent[] {
    const events: NewRunEvent[] = [];
    if (this.#fd === undefined) return events;
    while (events.length < max && this.#pending > 0) {
      const size = Math.min(this.#chunkBytes, this.#writeOffset - this.#readOffset);
      const buffer = Buffer.alloc(size);
      const got = readSync(this.#fd, buffer, 0, size, this.#readOffset);
      let start = 0;
      for (
        let nl = buffer.indexOf(10, 0);
        nl !== -1 && nl < got && events.length < max;
        nl = buffer.indexOf(10, start)
      ) {
        events.push(JSON.parse(buffer.toString('utf8', start, nl)) as NewRunEvent);
        start = nl + 1;
        this.#pending--;
      }
      // One event longer than the chunk: read a bigger chunk next time round.
      if (start === 0) this.#chunkBytes *= 2;
      this.#readOffset += start;
    }
    // Everything was read back: the file goes, so it never outgrows one outage.
    if (this.#pending === 0) this.close();
    return events;
  }

  /** Removes the file; what was not read back is gone (the writer counts it as lost first). */
  close(): void {
    if (this.#fd === undefined) return;
    try {
      closeSync(this.#fd);
      unlinkSync(this.path);
    } catch {
      // Already gone: nothing to clean up.
    }
    this.#fd = undefined;
    this.#pending = 0;
    this.#readOffset = this.#writeOffset = 0;
  }
}
