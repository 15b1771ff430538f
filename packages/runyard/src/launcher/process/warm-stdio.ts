import { closeSync, openSync, writeSync } from 'node:fs';
import { redirectStderrNotes } from '../../util/stderr-note.js';

type Write = NodeJS.WriteStream['write'];

/**
 * Sends what a warm worker writes to stdout and stderr into one run's compute-log files, until the
 * returned function puts things back. A warm worker was started before the run existed, so its own
 * file descriptors 1 and 2 point at the pool's log; Node cannot re-point them (no dup2), so the
 * streams are re-pointed instead. What bypasses the streams (a subprocess an op starts with
 * `stdio: 'inherit'`) still goes to the pool's log: docs/run-launchers.md says so.
 */
export function redirectStdio(stdoutPath: string, stderrPath: string): () => void {
  // Append, as a fresh worker does, so a resumed run's output follows the first worker's.
  const out = openSync(stdoutPath, 'a');
  const err = openSync(stderrPath, 'a');
  const restoreOut = patch(process.stdout, out);
  const restoreErr = patch(process.stderr, err);
  const restoreNotes = redirectStderrNotes(err);
  return () => {
    restoreNotes();
    restoreErr();
    restoreOut();
    closeSync(out);
    closeSync(err);
  };
}

function patch(stream: NodeJS.WriteStream, fd: number): () => void {
  const original = stream.write;
  const write = (
    chunk: string | Uint8Array,
    encoding?: BufferEncoding | ((e?: Error | null) => void),
    cb?: (e?: Error | null) => void,
  ) => {
    const done = typeof encoding === 'function' ? encoding : cb;
    try {
      if (typeof chunk === 'string') writeSync(fd, chunk, null, typeof encoding === 'string' ? encoding : 'utf8');
      else writeSync(fd, chunk);
    } catch {
      // A full disk must not end the run: a fresh worker writing into a full file loses the line too.
    }
    if (done) process.nextTick(done);
    return true;
  };
  stream.write = write as Write;
  return () => {
    stream.write = original;
  };
}
