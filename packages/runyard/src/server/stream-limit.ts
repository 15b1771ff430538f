import { HttpError } from './http-error.js';

/** A browser tab holds one or two streams; this leaves room for many tabs, not for a flood. */
export const DEFAULT_MAX_STREAMS_PER_CLIENT = 32;

/**
 * Counts the open event streams of each client (by address) and refuses one more than the limit
 * with a 429, so that one client cannot hold every socket and watcher of the server.
 */
export class StreamLimiter {
  readonly #max: number;
  readonly #open = new Map<string, number>();

  constructor(maxPerClient = DEFAULT_MAX_STREAMS_PER_CLIENT) {
    this.#max = maxPerClient;
  }

  /** Takes a slot for `client` and returns how to give it back (once), or throws the 429. */
  acquire(client: string): () => void {
    const open = this.#open.get(client) ?? 0;
    if (open >= this.#max)
      throw new HttpError(
        429,
        'too_many_streams',
        `this client already has ${open} event streams open, the most one client may hold; close some (other tabs) and retry`,
      );
    this.#open.set(client, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#open.get(client) ?? 1) - 1;
      if (left > 0) this.#open.set(client, left);
      else this.#open.delete(client);
    };
  }
}
