import type { Instance } from '../instance/instance.js';
import type { RunRecord } from '../runs/run-record.js';

/** How long a terminate request waits before answering 202 and letting termination go on. */
const ANSWER_WITHIN_MS = 2_000;

export interface TerminateOutcome {
  /** False when the answer went out before the worker was stopped (it goes on in this process). */
  readonly done: boolean;
  readonly run: RunRecord;
  readonly result: { status: string; terminated: boolean; escalated: boolean; detail: string };
}

/**
 * Terminates a run, answering as soon as it is done or after a couple of seconds, whichever comes
 * first: stopping a worker politely can take the whole grace period (10 s by default), which a
 * browser should not wait on. The termination itself always runs to the end, kill included.
 */
export async function terminateWithin(
  instance: Instance,
  runId: string,
  options: { readonly force: boolean },
): Promise<TerminateOutcome> {
  const termination = instance.terminateRun(runId, { force: options.force });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ANSWER_WITHIN_MS);
  });
  // A failure after we answered is recorded on the run by terminateRun itself; don't crash on it.
  termination.catch(() => undefined);
  try {
    const result = await Promise.race([termination, late]);
    if (result) {
      return {
        done: true,
        run: result.run,
        result: {
          status: result.run.status,
          terminated: result.changed,
          escalated: result.escalated,
          detail: result.message,
        },
      };
    }
  } finally {
    clearTimeout(timer);
  }
  const run = (await instance.storage.runs.getRun(runId))!;
  return {
    done: false,
    run,
    result: {
      status: run.status,
      terminated: true,
      escalated: false,
      detail: 'stopping the worker; the run ends CANCELED',
    },
  };
}
