import type { LaunchRunContext, RunRecord, WorkerRef } from 'runyard';

/** A STARTING run as the launcher sees it, for unit tests that need no instance. */
export function fakeRun(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: '5f0c2a52-6d1e-4c55-9a4e-0d3b1c9e7a11',
    jobName: 'train',
    status: 'STARTING',
    runConfig: {},
    tags: {},
    origin: { codeLocation: '/app/jobs.ts', source: 'api' },
    createdAt: 0,
    updatedAt: 0,
    ...overrides,
  } as RunRecord;
}

/** A launch context whose recordWorker notes each ref (and what ECS had done by then). */
export function fakeLaunch(run: RunRecord = fakeRun(), onRecord?: (ref: WorkerRef) => void) {
  const recorded: WorkerRef[] = [];
  const ctx: LaunchRunContext = {
    run,
    home: '/tmp/home',
    worker: { args: ['worker', 'execute-run', run.runId], env: { RUNYARD_INSTANCE: '{}' }, localCommand: [] },
    computeLogs: undefined as unknown as LaunchRunContext['computeLogs'],
    async recordWorker(ref) {
      onRecord?.(ref);
      recorded.push(ref);
    },
  };
  return { ctx, recorded };
}
