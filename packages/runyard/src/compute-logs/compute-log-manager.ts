export type LogStream = 'stdout' | 'stderr';

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
