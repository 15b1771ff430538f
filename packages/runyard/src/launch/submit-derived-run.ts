import { createHash } from 'node:crypto';
import { RunAlreadyExistsError } from '../errors.js';
import type { Instance } from '../instance/instance.js';
import type { NewRun, RunRecord } from '../runs/run-record.js';
import { RunNotLaunchableError } from './launch-run.js';

/** The namespace of Runyard's name-based run ids. Never change it: ids already stored depend on it. */
const RUN_ID_NAMESPACE = 'c5263b11-6a53-45b0-ac27-23f06a5ee001';

/**
 * A run id derived from what the run stands for (`schedule:nightly:1718236800000`,
 * `retry:<parent id>:1`): a UUID version 5 (RFC 9562), so the same name always gives the same id
 * and any process that submits the run a second time hits RunAlreadyExistsError.
 *
 *   derivedRunId('schedule:nightly:1718236800000');   // always the same UUID
 */
export function derivedRunId(name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(RUN_ID_NAMESPACE.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50; // version 5
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80; // RFC variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The run a derived submit (a retry, a schedule tick) made or found, and whether it was new. */
export interface SubmitDerivedRunResult {
  readonly run: RunRecord;
  /** False when the run existed already: another daemon, or an earlier attempt, submitted it. */
  readonly created: boolean;
}

/**
 * Submits a run with a derived id exactly once, however many processes try: the second submitter
 * gets the first one's run (see `ensureSubmitted` for one that was created but never submitted).
 */
export async function submitDerivedRun(
  instance: Instance,
  newRun: NewRun & { readonly runId: string },
): Promise<SubmitDerivedRunResult> {
  try {
    return { run: await instance.submitRun(newRun), created: true };
  } catch (error) {
    if (error instanceof RunNotLaunchableError) return { run: error.run, created: true };
    if (!(error instanceof RunAlreadyExistsError)) throw error;
  }
  const existing = await instance.storage.runs.getRun(newRun.runId);
  if (!existing) throw new RunAlreadyExistsError(newRun.runId);
  return { run: await ensureSubmitted(instance, existing), created: false };
}

/**
 * Hands a run that exists but was never submitted (NOT_STARTED: whoever created it died before
 * handing it to the coordinator) to the coordinator now; any other run is returned as it is. The
 * launch is a compare-and-swap, so if its first submitter was only slow, one of the two launches it.
 */
export async function ensureSubmitted(instance: Instance, run: RunRecord): Promise<RunRecord> {
  if (run.status !== 'NOT_STARTED') return run;
  try {
    const coordinator = await instance.coordinator();
    return await coordinator.submitRun({
      run,
      runs: instance.storage.runs,
      launchRun: (runId) => instance.launchRun(runId),
    });
  } catch (error) {
    // Whoever else is submitting it won the compare-and-swap: the run is on its way.
    const now = await instance.storage.runs.getRun(run.runId);
    if (now && now.status !== 'NOT_STARTED') return now;
    throw error;
  }
}
