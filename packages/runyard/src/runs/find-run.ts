import { RunNotFoundError, RunyardError } from '../errors.js';
import type { RunStorage } from '../storage/run-storage.js';
import type { RunRecord } from './run-record.js';

/** Finds a run by its id or a unique prefix of it (ids are long; people paste the first 8 chars). */
export async function findRun(runs: RunStorage, idOrPrefix: string): Promise<RunRecord> {
  const exact = await runs.getRun(idOrPrefix);
  if (exact) return exact;
  if (idOrPrefix.length >= 4 && /^[0-9a-f-]+$/i.test(idOrPrefix)) {
    const matches = await runs.listRuns({ runIdPrefix: idOrPrefix, limit: 2 });
    if (matches.length === 1) return matches[0] as RunRecord;
    if (matches.length > 1)
      throw new RunyardError(`run id prefix '${idOrPrefix}' matches more than one run; give more of the id`, {
        data: { prefix: idOrPrefix },
        userError: true,
      });
  }
  throw new RunNotFoundError(idOrPrefix);
}
