import type { Storage } from '../storage/storage.js';
import { type LaunchedBy, launchedByOf } from './launcher-identity.js';

/** The latest launch of a STARTING run, as its event log tells it. */
export interface CurrentLaunch {
  /** Who made it; undefined for a run launched before launches were recorded. */
  readonly launchedBy: LaunchedBy | undefined;
  /** When it began (its RUN_STARTING, or the relaunch's engine event). */
  readonly at: number;
}

/** What the engine event of a relaunch carries in `data.monitoring`. */
export const RELAUNCH_RULE = 'relaunch';

/**
 * The run's RUN_STARTING event, or the latest relaunch after it. A STARTING run has few events, so
 * reading them all is cheap; undefined when the run has no RUN_STARTING.
 */
export async function currentLaunch(storage: Storage, runId: string): Promise<CurrentLaunch | undefined> {
  const events = await storage.events.getEvents(runId, { types: ['RUN_STARTING', 'ENGINE_EVENT'] });
  const latest = events.findLast(
    (e) => e.type === 'RUN_STARTING' || (e.data?.monitoring === RELAUNCH_RULE && launchedByOf(e.data)),
  );
  if (!latest) return undefined;
  return { launchedBy: launchedByOf(latest.data), at: latest.timestamp };
}
