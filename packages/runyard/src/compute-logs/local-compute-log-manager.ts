import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ComputeLogManager, LogChunk, LogStream } from './compute-log-manager.js';

/** Config of `LocalComputeLogManager`: the directory that holds each run's captured stdout and stderr. */
export interface LocalComputeLogManagerConfig {
  /** Directory for `<runId>/stdout.log` and `stderr.log`. Default `<RUNYARD_HOME>/compute_logs`. */
  readonly baseDir: string;
}

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

/** Compute logs as files on this machine, one directory per run. */
export class LocalComputeLogManager implements ComputeLogManager {
  readonly baseDir: string;

  constructor(config: LocalComputeLogManagerConfig) {
    this.baseDir = config.baseDir;
  }

  localPaths(runId: string) {
    const dir = path.join(this.baseDir, runId);
    return { stdout: path.join(dir, 'stdout.log'), stderr: path.join(dir, 'stderr.log') };
  }

  async read(
    runId: string,
    stream: LogStream,
    options: { offset?: number; maxBytes?: number } = {},
  ): Promise<LogChunk> {
    const file = this.localPaths(runId)[stream];
    const offset = options.offset ?? 0;
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { data: '', nextOffset: offset, exists: false };
      throw error;
    }
    try {
      const { size } = await handle.stat();
      const length = Math.max(0, Math.min(size - offset, options.maxBytes ?? DEFAULT_MAX_BYTES));
      const buffer = Buffer.alloc(length);
      const { bytesRead } = length ? await handle.read(buffer, 0, length, offset) : { bytesRead: 0 };
      // Never cut a UTF-8 character in half: stop before an incomplete trailing sequence.
      const end = completeUtf8Length(buffer.subarray(0, bytesRead));
      return { data: buffer.subarray(0, end).toString('utf8'), nextOffset: offset + end, exists: true };
    } finally {
      await handle.close();
    }
  }

  async delete(runId: string): Promise<void> {
    await rm(path.join(this.baseDir, runId), { recursive: true, force: true });
  }
}

function completeUtf8Length(bytes: Buffer): number {
  let i = bytes.length - 1;
  // Walk back over continuation bytes (10xxxxxx) to the lead byte of the last character.
  while (i >= 0 && i > bytes.length - 4 && ((bytes[i] as number) & 0xc0) === 0x80) i--;
  if (i < 0) return bytes.length;
  const lead = bytes[i] as number;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return bytes.length - i >= need ? bytes.length : i;
}
