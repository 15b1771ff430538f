import {
  type NewRun,
  RUN_STATUS_EVENT_TYPES,
  RUN_STATUS_TRANSITIONS,
  type RunRecord,
  type RunStatus,
  type RunStatusEventType,
  type Storage,
} from 'runyard';

/** The storage of the test that is running. */
export type GetStorage = () => Storage;

export function newRun(overrides: Partial<NewRun> = {}): NewRun {
  return { jobName: 'conformance_job', origin: { codeLocation: '/defs/conformance.ts', source: 'test' }, ...overrides };
}

/**
 * The shortest sequence of status events that takes a new run to each status, found by walking
 * the status machine itself, so the suite follows RUN_STATUS_TRANSITIONS if it ever changes.
 */
export const PATH_TO_STATUS: ReadonlyMap<RunStatus, readonly RunStatusEventType[]> = shortestPaths();

function shortestPaths(): Map<RunStatus, RunStatusEventType[]> {
  const paths = new Map<RunStatus, RunStatusEventType[]>([['NOT_STARTED', []]]);
  const queue: RunStatus[] = ['NOT_STARTED'];
  for (let status = queue.shift(); status !== undefined; status = queue.shift()) {
    const path = paths.get(status) ?? [];
    for (const type of RUN_STATUS_EVENT_TYPES) {
      const { from, to } = RUN_STATUS_TRANSITIONS[type];
      if (from.includes(status) && !paths.has(to)) {
        paths.set(to, [...path, type]);
        queue.push(to);
      }
    }
  }
  return paths;
}

/** Creates a run and moves it to `status` through legal transitions. */
export async function runIn(storage: Storage, status: RunStatus, overrides: Partial<NewRun> = {}): Promise<RunRecord> {
  const path = PATH_TO_STATUS.get(status);
  if (!path) throw new Error(`status ${status} cannot be reached from NOT_STARTED`);
  let run = await storage.runs.createRun(newRun(overrides));
  for (const type of path) {
    const result = await storage.runs.transition({ runId: run.runId, type });
    if (!result.applied) throw new Error(`setting up a ${status} run: ${type} was refused in ${run.status}`);
    run = result.run;
  }
  return run;
}

/** Resolves once the clock has moved past `ms`, so that records made afterwards get a later time. */
export async function clockPast(ms: number): Promise<void> {
  while (Date.now() <= ms) await new Promise((resolve) => setTimeout(resolve, 1));
}

export function byName<T extends { readonly name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.name.localeCompare(b.name));
}
