import type { RunRecord } from '../../runs/run-record.js';
import { formatSeconds, MAX_RUNTIME_TAG, type MonitoringAction } from './monitoring-action.js';

export type MaxRuntime =
  | { readonly ok: true; readonly seconds: number | undefined }
  | { readonly ok: false; readonly message: string };

/** The run's `runyard/max_runtime` tag: a positive number of seconds, or absent. */
export function parseMaxRuntime(tags: Readonly<Record<string, string>>): MaxRuntime {
  const raw = tags[MAX_RUNTIME_TAG];
  if (raw === undefined) return { ok: true, seconds: undefined };
  const text = raw.trim();
  const seconds = Number(text);
  // Number('') is 0 and Number('1e3') is 1000: only plain decimals are taken, so '1h' or '' is not misread.
  if (!/^\d+(\.\d+)?$/.test(text) || !(seconds > 0))
    return {
      ok: false,
      message: `tag ${MAX_RUNTIME_TAG}=${JSON.stringify(raw)} is not a positive number of seconds; the run has no max runtime`,
    };
  return { ok: true, seconds };
}

/**
 * A STARTED run that has run longer than its `runyard/max_runtime` is terminated. A tag that is
 * not a number of seconds is reported (once; the daemon sees to that) and otherwise ignored.
 */
export function checkMaxRuntime(run: RunRecord, now: number): MonitoringAction | undefined {
  if (run.status !== 'STARTED') return undefined;
  const max = parseMaxRuntime(run.tags);
  if (!max.ok) return { kind: 'report', monitoring: 'max_runtime_invalid', message: max.message };
  if (max.seconds === undefined || run.startTime === undefined) return undefined;
  const ranMs = now - run.startTime;
  if (ranMs <= max.seconds * 1000) return undefined;
  return {
    kind: 'terminate',
    monitoring: 'max_runtime',
    maxRuntimeSeconds: max.seconds,
    reason: `run exceeded its max runtime of ${formatSeconds(max.seconds * 1000)} (tag ${MAX_RUNTIME_TAG}); it ran for ${formatSeconds(ranMs)}`,
  };
}
