import type { Instance, RunRecord, RunStatus } from 'runyard';

/** Polls until `check` returns a value; the timeout error says what was awaited and what was seen. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  explain: () => Promise<string> | string = () => '',
  timeoutMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${await explain()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function waitForStatus(instance: Instance, runId: string, statuses: readonly RunStatus[]): Promise<RunRecord> {
  let last: RunRecord | undefined;
  return waitFor(
    `run ${runId} to be ${statuses.join(' or ')}`,
    async () => {
      last = await instance.storage.runs.getRun(runId);
      return last && statuses.includes(last.status) ? last : undefined;
    },
    async () => {
      const events = await instance.storage.events.getEvents(runId);
      return `it is ${last?.status}; events:\n${events.map((e) => `  ${e.type}: ${e.message}`).join('\n')}`;
    },
  );
}
