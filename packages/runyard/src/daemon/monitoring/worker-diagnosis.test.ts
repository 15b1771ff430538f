import { describe, expect, it } from 'vitest';
import type { WorkerHealth } from '../../launcher/run-launcher.js';
import type { RunRecord } from '../../runs/run-record.js';
import { checkStartedRun, type StartedRunFacts } from './check-started-run.js';
import { checkCannotStart } from './worker-diagnosis.js';

const run = (status: RunRecord['status'], tags: Record<string, string> = {}) =>
  ({ runId: 'r1', status, tags, startTime: 1_000, worker: { launcher: 'X' } }) as unknown as RunRecord;

const oom: WorkerHealth = {
  status: 'FAILED',
  failureClass: 'oom',
  retryable: false,
  reason: 'pod run-r1 was OOMKilled: container run exceeded its memory limit 256Mi (exit code 137)',
};
const preempted: WorkerHealth = { status: 'FAILED', failureClass: 'preempted', retryable: true, reason: 'pod evicted' };

const facts = (health: WorkerHealth, maxResumeAttempts = 0): StartedRunFacts => ({
  now: 2_000,
  health,
  resumedAt: undefined,
  heartbeatsTrusted: true,
  heartbeatTimeoutMs: 60_000,
  canResume: true,
  maxResumeAttempts,
});

describe("monitoring's use of a launcher's diagnosis", () => {
  it('names the failure class in the reason and carries it in the action', () => {
    expect(checkStartedRun(run('STARTED'), facts(oom))).toEqual({
      kind: 'fail',
      monitoring: 'worker_died',
      from: 'STARTED',
      reason:
        'run worker died: the worker was OOM-killed (oom): pod run-r1 was OOMKilled: container run exceeded its memory limit 256Mi (exit code 137)',
      diagnosis: { failureClass: 'oom', retryable: false },
    });
  });

  it("resumes a preempted worker on the platform's budget of 3, then on the user's, then fails", () => {
    expect(checkStartedRun(run('STARTED'), facts(preempted))).toMatchObject({
      kind: 'resume',
      attempt: 1,
      budget: 'infra',
      budgetAttempt: 1,
      maxAttempts: 3,
    });
    const spent = { 'runyard/infra_resume_attempt': '3', 'runyard/resume_attempt': '1' };
    expect(checkStartedRun(run('STARTED', spent), facts(preempted, 2))).toMatchObject({
      kind: 'resume',
      attempt: 5,
      budget: 'user',
      budgetAttempt: 2,
    });
    expect(checkStartedRun(run('STARTED', spent), facts(preempted, 1))).toMatchObject({
      kind: 'fail',
      reason: 'run worker died: the worker was preempted or evicted (preempted): pod evicted (after 4 resume attempts)',
    });
    // A retryable capacity failure is the platform's too; a non-retryable infra one is not.
    const capacity: WorkerHealth = { status: 'FAILED', failureClass: 'capacity', retryable: true, reason: 'no room' };
    expect(checkStartedRun(run('STARTED'), facts(capacity))).toMatchObject({ kind: 'resume', budget: 'infra' });
    const infra: WorkerHealth = { status: 'FAILED', failureClass: 'infra', retryable: false, reason: 'FailedCreate' };
    expect(checkStartedRun(run('STARTED'), facts(infra))).toMatchObject({ kind: 'fail' });
  });

  it('fails a STARTING run that can never start, and waits for one that may (or is not yet known)', () => {
    const image: WorkerHealth = { status: 'FAILED', failureClass: 'image', retryable: false, reason: 'ErrImagePull' };
    expect(checkCannotStart(run('STARTING'), image)).toEqual({
      kind: 'fail',
      monitoring: 'cannot_start',
      from: 'STARTING',
      reason: "run worker cannot start: the worker's image cannot be pulled (image): ErrImagePull",
      diagnosis: { failureClass: 'image', retryable: false },
    });
    const capacity: WorkerHealth = { status: 'FAILED', failureClass: 'capacity', retryable: true };
    expect(checkCannotStart(run('STARTING'), capacity)).toBeUndefined();
    expect(checkCannotStart(run('STARTING'), { status: 'UNKNOWN', transient: true })).toBeUndefined();
    expect(checkCannotStart(run('STARTING'), { ...image, transient: true })).toBeUndefined();
    expect(checkCannotStart(run('STARTED'), image)).toBeUndefined();
  });
});
