import { writeSync } from 'node:fs';

let stderrFd = 2;

/**
 * Writes one line to stderr, or nothing, and never fails. A run worker's stderr is often a file
 * on the disk that has just filled up (compute logs beside the SQLite database), and
 * `process.stderr.write` into a full file raises ENOSPC as an uncaught exception that ends the
 * process: the note that storage is unreachable must not be what kills the run.
 */
export function stderrNote(line: string): void {
  try {
    writeSync(stderrFd, `${line}\n`);
  } catch {
    // Nowhere to say it; the events themselves are what matters, and they wait for storage.
  }
}

/**
 * A warm run worker (launcher/process/warm-worker.ts) was started before its run existed: while it
 * runs one, the notes go to that run's stderr file. Returns the function that puts them back.
 */
export function redirectStderrNotes(fd: number): () => void {
  const before = stderrFd;
  stderrFd = fd;
  return () => {
    stderrFd = before;
  };
}
