/**
 * A run worker holds this lease (renewed with its heartbeat) while it runs a run, so that a
 * duplicate or resumed worker never runs the same run at the same time as a live one.
 */
export function runWorkerLeaseName(runId: string): string {
  return `run-worker:${runId}`;
}
