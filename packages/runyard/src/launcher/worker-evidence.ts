import { formatErrorChain, toErrorInfo } from '../events/error-info.js';
import type { RunEvent } from '../events/run-event.js';
import type { RunRecord } from '../runs/run-record.js';
import type { Storage } from '../storage/storage.js';
import type { RunLauncher } from './run-launcher.js';

/**
 * Evidence of a worker, kept in the run's event log before the launcher's copy goes (a Job deleted
 * by terminate or its TTL, a container removed after its retention): the tail of its stdout and
 * stderr and the launcher's account (`debugInfo`: state, Warning events, log tail).
 *
 * Why events, and not files or a new storage part: the event log is already in the instance's
 * storage, which every daemon, CLI and UI of the instance reaches (SQLite on one machine, PostgreSQL
 * across many), so the copy is readable wherever `run logs` runs, with no schema change or migration
 * for every storage. The price is size: each stream is cut to its last EVIDENCE_MAX_BYTES, which is
 * what people read after a failure; the full output is the platform's log pipeline's job.
 */
export const EVIDENCE_MAX_BYTES = 256 * 1024;

export interface WorkerEvidence {
  /** The worker it was taken from (its externalId), so a resumed run's copies are told apart. */
  readonly worker: string;
  readonly stdout: string;
  readonly stderr: string;
  /** True when a stream was longer than EVIDENCE_MAX_BYTES and only its tail is kept. */
  readonly truncated: boolean;
  readonly debugInfo?: string;
}

/** Copies the worker's output and the launcher's account into the run's events; never throws. */
export async function keepWorkerEvidence(
  storage: Storage,
  launcher: RunLauncher,
  run: RunRecord,
  why: string,
): Promise<boolean> {
  if (!run.worker || !launcher.readWorkerOutput) return false;
  try {
    const [stdout, stderr] = await Promise.all([
      launcher.readWorkerOutput(run, 'stdout'),
      launcher.readWorkerOutput(run, 'stderr'),
    ]);
    // Nothing left to copy: the worker is gone already; an earlier copy (if any) stays the latest.
    if (stdout === undefined && stderr === undefined) return false;
    const debugInfo = await launcher.debugInfo?.(run).catch(() => undefined);
    const out = tail(stdout ?? '');
    const err = tail(stderr ?? '');
    const evidence: WorkerEvidence = {
      worker: String(run.worker.externalId ?? ''),
      stdout: out.text,
      stderr: err.text,
      truncated: out.cut || err.cut,
      ...(debugInfo ? { debugInfo } : {}),
    };
    await storage.events.appendEvents([
      {
        runId: run.runId,
        type: 'ENGINE_EVENT',
        level: 'debug',
        message: `kept the worker's output (${Buffer.byteLength(out.text)} + ${Buffer.byteLength(err.text)} bytes) and the launcher's account ${why}`,
        data: { workerEvidence: evidence },
      },
    ]);
    return true;
  } catch (error) {
    await storage.events
      .appendEvents([
        {
          runId: run.runId,
          type: 'ENGINE_EVENT',
          level: 'warning',
          message: `could not keep the worker's output ${why}: ${formatErrorChain(toErrorInfo(error))}`,
        },
      ])
      .catch(() => undefined);
    return false;
  }
}

/** The latest evidence kept for the run, if any. */
export async function latestWorkerEvidence(storage: Storage, runId: string): Promise<WorkerEvidence | undefined> {
  const events: RunEvent[] = await storage.events.getEvents(runId, { types: ['ENGINE_EVENT'] });
  const found = events.findLast((e) => e.data?.workerEvidence !== undefined);
  return found?.data?.workerEvidence as WorkerEvidence | undefined;
}

function tail(text: string): { readonly text: string; readonly cut: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= EVIDENCE_MAX_BYTES) return { text, cut: false };
  // Start after a line break within the tail, so the copy does not begin mid-line or mid-character.
  const rest = bytes.subarray(bytes.length - EVIDENCE_MAX_BYTES);
  const newline = rest.indexOf(10);
  return { text: rest.subarray(newline + 1).toString('utf8'), cut: true };
}
