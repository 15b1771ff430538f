import type { ManagedRunLauncher } from '../launcher/managed-run-launcher.js';
import { latestWorkerEvidence } from '../launcher/worker-evidence.js';
import type { RunRecord } from '../runs/run-record.js';
import type { Storage } from '../storage/storage.js';
import type { ComputeLogManager, LogChunk, LogStream } from './compute-log-manager.js';

/**
 * The instance's compute logs, chosen from its launcher with no config: a worker on this machine
 * writes the configured manager's files (the process launcher), and those win; a worker elsewhere
 * (a pod, a container) is read from the launcher while it exists, and from the copy kept in the
 * run's events (launcher/worker-evidence.ts) once it is gone.
 */
export class LauncherComputeLogManager implements ComputeLogManager {
  readonly #base: ComputeLogManager;
  readonly #storage: Storage;
  /** The launcher the run was launched with (runs of one instance may have gone to different ones). */
  readonly #launcher: (run: RunRecord) => Promise<ManagedRunLauncher>;

  constructor(base: ComputeLogManager, storage: Storage, launcher: (run: RunRecord) => Promise<ManagedRunLauncher>) {
    this.#base = base;
    this.#storage = storage;
    this.#launcher = launcher;
  }

  /** The manager the instance config names (its files are what a local worker writes). */
  get base(): ComputeLogManager {
    return this.#base;
  }

  localPaths(runId: string) {
    return this.#base.localPaths(runId);
  }

  async read(
    runId: string,
    stream: LogStream,
    options: { readonly offset?: number; readonly maxBytes?: number } = {},
  ): Promise<LogChunk> {
    const local = await this.#base.read(runId, stream, options);
    if (local.exists) return local;
    const run = await this.#storage.runs.getRun(runId);
    if (!run?.worker) return local;
    // A launcher since removed from runyard.yaml cannot be asked: the kept copy is the answer then.
    const launcher = await this.#launcher(run).catch(() => undefined);
    const live = await launcher?.readWorkerOutput(run, stream);
    if (live !== undefined) return chunkOf(live, options);
    const kept = await latestWorkerEvidence(this.#storage, runId);
    return kept ? chunkOf(kept[stream], options) : local;
  }

  async delete(runId: string): Promise<void> {
    await this.#base.delete(runId);
  }
}

/** A byte range of whole text, as the file-backed manager returns it. */
function chunkOf(text: string, options: { readonly offset?: number; readonly maxBytes?: number }): LogChunk {
  const bytes = Buffer.from(text, 'utf8');
  const offset = Math.min(options.offset ?? 0, bytes.length);
  const end = Math.min(bytes.length, offset + (options.maxBytes ?? bytes.length));
  let cut = end;
  // Never end in the middle of a UTF-8 character (continuation bytes are 10xxxxxx).
  while (cut > offset && cut < bytes.length && ((bytes[cut] as number) & 0xc0) === 0x80) cut--;
  return { data: bytes.subarray(offset, cut).toString('utf8'), nextOffset: cut, exists: true };
}
