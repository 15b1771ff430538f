/** Which captured stream of a run worker: `stdout` or `stderr`. */
export type LogStream = 'stdout' | 'stderr';

/**
 * A piece of a run's captured output, from `ComputeLogManager.read`: the data, the offset to read from
 * next, and whether the log exists.
 */
export interface LogChunk {
  readonly data: string;
  /** Pass back as `offset` to read on from here (for `--follow`). */
  readonly nextOffset: number;
  /** False when the run has no captured output of this stream (yet). */
  readonly exists: boolean;
}

/** Where a run worker's stdout and stderr are kept, and how to read them back. */
export interface ComputeLogManager {
  /** Files a worker on this machine writes its output to. */
  localPaths(runId: string): { readonly stdout: string; readonly stderr: string };
  read(
    runId: string,
    stream: LogStream,
    options?: { readonly offset?: number; readonly maxBytes?: number },
  ): Promise<LogChunk>;
  delete(runId: string): Promise<void>;
}
