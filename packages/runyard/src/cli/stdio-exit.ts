import { exitProcess } from './fast-start.js';

/**
 * How every runyard process ends its output. Into a pipe, Node writes stdout and stderr
 * asynchronously: what the pipe cannot take yet waits in the stream's buffer, and
 * `process.exit()` throws that buffer away. A command that printed 200 KB into a slow reader
 * (`runyard run logs <id> | less`) lost all but the first 64 KB and still exited 0. So the CLI
 * exits only once both streams have handed everything to the operating system.
 *
 * The other end of a pipe may also go away first (`runyard run logs <id> | head`): the next write
 * fails with EPIPE. That is the reader's choice, not a failure of the command, so the process
 * ends at once and quietly, as a command killed by SIGPIPE does, without a stack trace.
 *
 * Like fast-start.ts, every runyard process loads this, so it imports nothing but that module.
 */

type Stdio = Pick<NodeJS.WriteStream, 'on' | 'write' | 'writableLength' | 'destroyed'>;

let exitCode: number | undefined;
let guarded = false;

/** Call first thing: a closed reader ends the process quietly instead of with an uncaught error. */
export function guardStdio(streams: readonly Stdio[] = [process.stdout, process.stderr]): void {
  if (guarded) return;
  guarded = true;
  for (const stream of streams) stream.on('error', onStdioError);
}

function onStdioError(error: NodeJS.ErrnoException): void {
  // The reader left: nothing more can be shown to anyone, and that is not the command's failure.
  if (error.code === 'EPIPE') exitProcess(exitCode ?? 0);
  // Anything else (a full disk under `> file`, EIO): say so where it can still be read.
  try {
    process.stderr.write(`runyard: could not write the output: ${error.message}\n`);
  } catch {
    // stderr is the stream that failed; the exit code is all that is left.
  }
  exitProcess(exitCode === undefined || exitCode === 0 ? 1 : exitCode);
}

/** Resolves once `stream` has handed everything written so far to the operating system. */
export function flushed(stream: Stdio): Promise<void> {
  if (stream.destroyed || stream.writableLength === 0) return Promise.resolve();
  // Writes complete in order, so the callback of an empty write runs after every earlier one.
  return new Promise((resolve) => {
    try {
      stream.write('', () => resolve());
    } catch {
      resolve();
    }
  });
}

/** Exits with `code` once stdout and stderr are written out, however slowly they are read. */
export async function exitWhenFlushed(code: number): Promise<never> {
  exitCode = code;
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  return exitProcess(code);
}
