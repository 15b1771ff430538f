/**
 * Keeps the database password out of every message Runyard shows. pg's own errors rarely repeat
 * it, but a server or proxy can echo connection parameters, and an error that leaves here may be
 * written into a run's event log, printed by the CLI or shown in the UI, where a secret must not go.
 */

const REDACTED = '***';
// Short passwords ('a', '1') would turn ordinary words into asterisks and protect nothing.
const MIN_SCRUBBED_LENGTH = 3;

export class SecretScrubber {
  readonly #secrets: readonly string[];

  constructor(password: string | undefined) {
    const secrets = new Set<string>();
    if (password !== undefined && password.length >= MIN_SCRUBBED_LENGTH) {
      secrets.add(password);
      // The forms a URL or a log line may hold it in.
      secrets.add(encodeURIComponent(password));
      secrets.add(JSON.stringify(password).slice(1, -1));
    }
    this.#secrets = [...secrets].sort((a, b) => b.length - a.length);
  }

  text(value: string): string {
    let out = value;
    for (const secret of this.#secrets) out = out.split(secret).join(REDACTED);
    return out;
  }

  /**
   * Scrubs the error in place (message, stack, string fields such as pg's `detail` and `hint`) and
   * its cause chain, and returns it: the error keeps its class and `code`, so callers can still
   * tell a unique violation from a lost connection.
   */
  error<T>(error: T, depth = 0): T {
    if (this.#secrets.length === 0 || typeof error !== 'object' || error === null || depth > 8) return error;
    const record = error as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(error)) {
      const value = record[key];
      if (typeof value === 'string') {
        const clean = this.text(value);
        if (clean !== value) {
          try {
            record[key] = clean;
          } catch {
            // A read-only field: it cannot be rewritten, so the error is not handed on as it is.
            return new Error(this.text(String((error as { message?: unknown }).message))) as T;
          }
        }
      }
    }
    if ('cause' in record) this.error(record.cause, depth + 1);
    // Node reports a refused connection to a name with several addresses as an AggregateError.
    if (Array.isArray(record.errors)) for (const inner of record.errors) this.error(inner, depth + 1);
    return error;
  }
}
