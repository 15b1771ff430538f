import { writeSync } from 'node:fs';

/**
 * Writes one line to stderr, or nothing, and never fails. A run worker's stderr is often a file
 * on the disk that has just filled up (compute logs beside the SQLite database), and
 * `process.stderr.write` into a full file raises ENOSPC as an uncaught exception that ends the
 * process: the note that storage is unreachable must not be what kills the run.
 */
export function stderrNote(line: string): void {
  try {
    writeSync(2, `${line}\n`);
  } catch {
    // Nowhere to say it; the events themselves are what matters, and they wait for storage.
  }
}
